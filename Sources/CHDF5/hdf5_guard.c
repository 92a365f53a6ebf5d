/* The two walls around libhdf5 in the contained reader (Foreign/Internals/HDF5+Read.swift):
 * a check of the file's global heap collections before libhdf5 reads a
 * variable-length string from one, and a seccomp filter that leaves the reader
 * nothing but reading the file it has open and writing to its pipe.
 * Neither calls libhdf5. */
#define _GNU_SOURCE
#include "CHDF5.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__linux__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

/* ---- Global heap collections ------------------------------------------------
 * Layout (HDF5 file format specification, "Global Heap"): "GCOL", version 1, three
 * reserved bytes, the collection's size (size-of-lengths bytes, the size including
 * this header); then objects, each: heap index (2), reference count (2), reserved
 * (4), object size (size-of-lengths), the object's bytes padded to a multiple of 8.
 * Index 0 is the free space, whose size includes its own header.
 *
 * libhdf5 1.10.8 (Debian bookworm) trusts every object size: an object larger
 * than its collection is copied by H5HG_read with memcpy from past the end of the
 * collection's buffer (an out-of-bounds read, overlapping the destination when
 * large), and a free-space object of size 0 makes the collection's parser loop
 * forever (1.14.6 too). */

static uint64_t le(const uint8_t *p, unsigned n) {
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* The superblock's size of lengths: 2, 4 or 8; 0 when there is no superblock
 * this check understands (then no collection is trusted). */
static unsigned size_of_lengths(const uint8_t *map, size_t size) {
    static const uint8_t signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    for (size_t at = 0; at + 16 <= size; at = at ? at * 2 : 512) {
        if (memcmp(map + at, signature, 8) != 0) continue;
        unsigned version = map[at + 8];
        unsigned lengths = version <= 1 ? map[at + 14] : version <= 3 ? map[at + 10] : 0;
        return lengths == 2 || lengths == 4 || lengths == 8 ? lengths : 0;
    }
    return 0;
}

/* 0 when the collection at `at` is sound; otherwise writes why. */
static int check_collection(const uint8_t *map, size_t size, size_t at, unsigned lengths, char *why, size_t why_size) {
    size_t header = 8 + lengths;
    if (size - at < header) {
        snprintf(why, why_size, "the global heap collection at offset %zu is cut off by the end of the file", at);
        return -1;
    }
    uint64_t total = le(map + at + 8, lengths);
    if (total < 4096 || total > size - at) {
        snprintf(why, why_size,
                 "the global heap collection at offset %zu claims %llu bytes (at least 4096, and at most the %zu "
                 "left in the file)", at, (unsigned long long)total, size - at);
        return -1;
    }
    uint8_t seen[65536 / 8];
    memset(seen, 0, sizeof seen);
    size_t p = at + header, end = at + (size_t)total;
    while (p < end) {
        if (end - p < header) break; /* too small for an object: free space */
        unsigned index = (unsigned)le(map + p, 2);
        uint64_t object = le(map + p + 8, lengths);
        uint64_t need;
        if (index == 0) {
            need = object; /* the free space, its header included */
            if (need < header || need > end - p) {
                snprintf(why, why_size,
                         "the global heap collection at offset %zu has a free space of %llu bytes at offset %zu "
                         "(at least %zu, and at most the %zu left in the collection)",
                         at, (unsigned long long)object, p, header, end - p);
                return -1;
            }
        } else {
            need = object > end - p ? UINT64_MAX : header + ((object + 7) & ~(uint64_t)7);
            if (need > end - p) {
                snprintf(why, why_size,
                         "object %u of the global heap collection at offset %zu claims %llu bytes; only %zu are "
                         "left in the collection", index, at, (unsigned long long)object, end - p - header);
                return -1;
            }
            if (seen[index / 8] & (1u << (index % 8))) {
                snprintf(why, why_size, "the global heap collection at offset %zu holds object %u twice", at, index);
                return -1;
            }
            seen[index / 8] |= (uint8_t)(1u << (index % 8));
        }
        p += (size_t)need;
    }
    return 0;
}

int mgk_h5_check_global_heaps(int fd, char *why, size_t why_size) {
    struct stat info;
    if (fstat(fd, &info) != 0) {
        snprintf(why, why_size, "cannot check its global heaps: %s", strerror(errno));
        return -1;
    }
    if (info.st_size <= 0) return 0;
    size_t size = (size_t)info.st_size;
    const uint8_t *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        snprintf(why, why_size, "cannot map it to check its global heaps: %s", strerror(errno));
        return -1;
    }
    int result = 0;
    unsigned lengths = size_of_lengths(map, size);
    const uint8_t *p = map;
    /* Every place libhdf5 would take for a collection: its signature and version 1
     * (libhdf5 refuses any other version itself). */
    while (result == 0 && (p = memmem(p, size - (size_t)(p - map), "GCOL\x01", 5)) != NULL) {
        size_t at = (size_t)(p - map);
        if (lengths == 0) {
            snprintf(why, why_size, "it holds a global heap collection (offset %zu) but no superblock with a "
                                    "size of lengths of 2, 4 or 8 bytes", at);
            result = -1;
        } else {
            result = check_collection(map, size, at, lengths, why, why_size);
        }
        p += 1;
    }
    munmap((void *)map, size);
    return result;
}

/* ---- The seccomp filter ----------------------------------------------------- */

/* Under AddressSanitizer (the ASan suite, the fuzzers) the reader must stay able to
 * report a memory error and write libFuzzer's crash file: no filter there. */
int mgk_h5_confinement_is_off(void) {
    return dlsym(RTLD_DEFAULT, "__asan_init") != NULL;
}

#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
#if defined(__x86_64__)
#define MGK_AUDIT_ARCH AUDIT_ARCH_X86_64
#else
#define MGK_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#define MGK_LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define MGK_LOAD_ARG_LO(n) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[n]))
#define MGK_ALLOW(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define MGK_KILL(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)

int mgk_h5_confine(int pipe_fd) {
    if (mgk_h5_confinement_is_off()) {
        errno = ENOTSUP;
        return -1;
    }
    unsigned self = (unsigned)getpid();
    struct sock_filter program[] = {
        /* Another architecture's system call numbers (x86-64's i386 entry): killed. */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MGK_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        MGK_LOAD_NR,
#if defined(__x86_64__)
        /* x32 numbers. */
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
        /* Reading the open file, and memory. */
        MGK_ALLOW(__NR_read), MGK_ALLOW(__NR_pread64), MGK_ALLOW(__NR_readv), MGK_ALLOW(__NR_preadv),
        MGK_ALLOW(__NR_lseek), MGK_ALLOW(__NR_fstat), MGK_ALLOW(__NR_newfstatat), MGK_ALLOW(__NR_close), MGK_ALLOW(__NR_flock),
        MGK_ALLOW(__NR_mmap), MGK_ALLOW(__NR_munmap), MGK_ALLOW(__NR_mremap), MGK_ALLOW(__NR_brk),
        MGK_ALLOW(__NR_madvise), MGK_ALLOW(__NR_futex), MGK_ALLOW(__NR_clock_gettime), MGK_ALLOW(__NR_gettimeofday),
        MGK_ALLOW(__NR_getpid), MGK_ALLOW(__NR_gettid), MGK_ALLOW(__NR_rt_sigprocmask),
        MGK_ALLOW(__NR_rt_sigreturn), MGK_ALLOW(__NR_sched_yield), MGK_ALLOW(__NR_exit), MGK_ALLOW(__NR_exit_group),
        /* Starting a program: only a compromised reader would. */
        MGK_KILL(__NR_execve), MGK_KILL(__NR_execveat),
        /* mprotect without PROT_EXEC (malloc's arenas). */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mprotect, 0, 4),
        MGK_LOAD_ARG_LO(2),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        /* write: to the pipe and to standard error only. */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_write, 0, 5),
        MGK_LOAD_ARG_LO(0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)pipe_fd, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        /* tgkill: to itself only (abort). */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_tgkill, 0, 4),
        MGK_LOAD_ARG_LO(0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, self, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        /* Everything else (opening files, sockets, signals to others, …) fails with
         * EPERM: libhdf5 then reports an error (a filter plugin it cannot load) rather
         * than the reader being killed on a file it could have read. */
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    };
    struct sock_fprog fprog = {.len = (unsigned short)(sizeof program / sizeof *program), .filter = program};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
    if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) return -1;
    return 0;
}
#else
int mgk_h5_confine(int pipe_fd) {
    (void)pipe_fd;
    errno = ENOSYS;
    return -1;
}
#endif
