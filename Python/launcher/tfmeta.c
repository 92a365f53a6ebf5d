// The `tfmeta` executable of the Python wheel (compiled by Scripts/build-wheel):
// a few kilobytes that load the wheel's libTFMetaC.so (bin/../libTFMetaC.so) and
// run the command from it (tfmeta_main, TFMetaEntry), so the wheel carries one
// copy of MetaGraphKit and the statically linked Swift runtime, not two.
// Exit status, signals and output are the command's own.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "Error: tfmeta: cannot find its own path (/proc/self/exe)\n");
        return 1;
    }
    self[n] = 0;
    char library[PATH_MAX];
    if (snprintf(library, sizeof library, "%s/../libTFMetaC.so", dirname(self)) >= (int)sizeof library) {
        fprintf(stderr, "Error: tfmeta: path too long\n");
        return 1;
    }
    void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        fprintf(stderr, "Error: tfmeta: cannot load %s: %s\n", library, dlerror());
        return 1;
    }
    int (*run)(int, char **) = (int (*)(int, char **))dlsym(handle, "tfmeta_main");
    if (!run) {
        fprintf(stderr, "Error: tfmeta: %s has no tfmeta_main\n", library);
        return 1;
    }
    return run(argc, argv);
}
