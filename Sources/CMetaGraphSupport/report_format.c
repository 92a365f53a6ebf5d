// printf's formatting of one double for the `ckpt stats` text report, which prints
// hundreds of thousands of them: Swift reaches vsnprintf only through a CVarArg
// array and withVaList, a few allocations and dynamic casts per number.
#include "CMetaGraphSupport.h"
#include <stdio.h>

int mgk_format_double(char *out, size_t capacity, int precision, char conversion, double value) {
    switch (conversion) {
    case 'g': return snprintf(out, capacity, "%.*g", precision, value);
    case 'f': return snprintf(out, capacity, "%.*f", precision, value);
    case 'F': return snprintf(out, capacity, "%5.*f", precision, value);
    default: return -1;
    }
}
