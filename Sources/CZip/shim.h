// libzip's C API (Debian: libzip-dev).
#include <zip.h>
