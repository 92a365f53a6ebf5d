// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TensorFlow checksums
// table blocks and tensors (tsl/lib/hash/crc32c). The hardware path uses SSE4.2's
// CRC32 instruction on x86-64 and the CRC extension on arm64, chosen at run time;
// the portable path is slicing-by-8.
#include "CMetaGraphSupport.h"
#include <stdlib.h>
#include <string.h>

// MGK_CRC32C_PORTABLE=1 forces the table path (tests compare both).
static int getenv_disabled(void) {
    const char *v = getenv("MGK_CRC32C_PORTABLE");
    return v != NULL && v[0] == '1';
}

static uint32_t table[8][256];
static int table_ready = 0;

static void build_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
        table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        for (int t = 1; t < 8; t++) table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
    }
    __atomic_store_n(&table_ready, 1, __ATOMIC_RELEASE);
}

static uint32_t extend_portable(uint32_t crc, const uint8_t *p, size_t n) {
    if (!__atomic_load_n(&table_ready, __ATOMIC_ACQUIRE)) build_table();
    uint32_t c = ~crc;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        w ^= c;  // little-endian hosts only (every host TensorFlow supports here)
        c = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^ table[5][(w >> 16) & 0xff] ^
            table[4][(w >> 24) & 0xff] ^ table[3][(w >> 32) & 0xff] ^ table[2][(w >> 40) & 0xff] ^
            table[1][(w >> 48) & 0xff] ^ table[0][(w >> 56) & 0xff];
        p += 8;
        n -= 8;
    }
    while (n--) c = (c >> 8) ^ table[0][(c ^ *p++) & 0xff];
    return ~c;
}

// Three independent CRC streams over adjacent chunks keep the CRC32 unit busy
// (one instruction per cycle instead of one per 3-cycle latency); the partial CRCs
// are joined by multiplying with x^(8·chunk) mod P, done with 4×256 tables
// ("zeros operators", as in zlib's crc32_combine and Mark Adler's crc32c.c).
#define MGK_LONG 8192
#define MGK_SHORT 256
static uint32_t zeros_long[4][256], zeros_short[4][256];
static int zeros_ready = 0;

static uint32_t gf2_times(const uint32_t *mat, uint32_t vec) {
    uint32_t sum = 0;
    while (vec) { if (vec & 1) sum ^= *mat; vec >>= 1; mat++; }
    return sum;
}

static void gf2_square(uint32_t *square, const uint32_t *mat) {
    for (int n = 0; n < 32; n++) square[n] = gf2_times(mat, mat[n]);
}

// Sets odd to the operator that appends four zero bits to a CRC (even is scratch);
// squaring it again and again gives one zero byte, two, four …
static void four_zero_bits(uint32_t *odd, uint32_t *even) {
    odd[0] = 0x82F63B78u;  // one zero bit
    uint32_t row = 1;
    for (int n = 1; n < 32; n++) { odd[n] = row; row <<= 1; }
    gf2_square(even, odd);  // 2 zero bits
    gf2_square(odd, even);  // 4 zero bits
}

// The operator that appends `len` zero bytes to a (non-inverted) CRC; `len` must
// be a power of two (the chunk sizes below).
static void zeros_op(uint32_t *even, size_t len) {
    uint32_t odd[32];
    four_zero_bits(odd, even);
    // Each squaring doubles: odd holds 1 zero byte after the first round.
    do {
        gf2_square(even, odd);
        len >>= 1;
        if (len == 0) return;
        gf2_square(odd, even);
        len >>= 1;
    } while (len);
    memcpy(even, odd, sizeof(odd));
}

static void zeros_table(uint32_t zeros[4][256], size_t len) {
    uint32_t op[32];
    zeros_op(op, len);
    for (uint32_t n = 0; n < 256; n++) {
        zeros[0][n] = gf2_times(op, n);
        zeros[1][n] = gf2_times(op, n << 8);
        zeros[2][n] = gf2_times(op, n << 16);
        zeros[3][n] = gf2_times(op, n << 24);
    }
}

__attribute__((unused)) static void build_zeros(void) {
    zeros_table(zeros_long, MGK_LONG);
    zeros_table(zeros_short, MGK_SHORT);
    __atomic_store_n(&zeros_ready, 1, __ATOMIC_RELEASE);
}

static inline uint32_t shift(uint32_t zeros[4][256], uint32_t crc) {
    return zeros[0][crc & 0xff] ^ zeros[1][(crc >> 8) & 0xff] ^ zeros[2][(crc >> 16) & 0xff] ^ zeros[3][crc >> 24];
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>

// While at least three chunks of `len` bytes remain: one CRC stream per chunk,
// joined by shifting over `len` zero bytes.
__attribute__((target("sse4.2"), always_inline))
static inline uint64_t three_streams(uint64_t c0, const uint8_t **pp, size_t *np, size_t len,
                                     uint32_t zeros[4][256]) {
    const uint8_t *p = *pp;
    size_t n = *np;
    while (n >= 3 * len) {
        uint64_t c1 = 0, c2 = 0;
        const uint8_t *end = p + len;
        do {
            uint64_t a, b, d;
            memcpy(&a, p, 8); memcpy(&b, p + len, 8); memcpy(&d, p + 2 * len, 8);
            c0 = _mm_crc32_u64(c0, a); c1 = _mm_crc32_u64(c1, b); c2 = _mm_crc32_u64(c2, d);
            p += 8;
        } while (p < end);
        c0 = shift(zeros, (uint32_t)c0) ^ (uint32_t)c1;
        c0 = shift(zeros, (uint32_t)c0) ^ (uint32_t)c2;
        p += 2 * len;
        n -= 3 * len;
    }
    *pp = p;
    *np = n;
    return c0;
}

__attribute__((target("sse4.2")))
static uint32_t extend_hw(uint32_t crc, const uint8_t *p, size_t n) {
    if (n >= 3 * MGK_SHORT && !__atomic_load_n(&zeros_ready, __ATOMIC_ACQUIRE)) build_zeros();
    uint64_t c0 = (uint32_t)~crc;
    while (n && ((uintptr_t)p & 7)) { c0 = _mm_crc32_u8((uint32_t)c0, *p++); n--; }
    c0 = three_streams(c0, &p, &n, MGK_LONG, zeros_long);
    c0 = three_streams(c0, &p, &n, MGK_SHORT, zeros_short);
    while (n >= 8) { uint64_t w; memcpy(&w, p, 8); c0 = _mm_crc32_u64(c0, w); p += 8; n -= 8; }
    while (n--) c0 = _mm_crc32_u8((uint32_t)c0, *p++);
    return ~(uint32_t)c0;
}

static int detect(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    return (c >> 20) & 1;  // SSE4.2
}
#elif defined(__aarch64__)
#include <arm_acle.h>
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif
__attribute__((target("crc")))
static uint32_t extend_hw(uint32_t crc, const uint8_t *p, size_t n) {
    uint32_t c = ~crc;
    while (n >= 8) { uint64_t w; memcpy(&w, p, 8); c = __crc32cd(c, w); p += 8; n -= 8; }
    while (n--) c = __crc32cb(c, *p++);
    return ~c;
}
static int detect(void) { return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0; }
#else
static uint32_t extend_hw(uint32_t crc, const uint8_t *p, size_t n) { return extend_portable(crc, p, n); }
static int detect(void) { return 0; }
#endif

static int hw_state = -1;  // -1 unknown, 0 no, 1 yes

int mgk_crc32c_is_hardware(void) {
    int s = __atomic_load_n(&hw_state, __ATOMIC_RELAXED);
    if (s < 0) {
        s = detect();
        if (getenv_disabled()) s = 0;
        __atomic_store_n(&hw_state, s, __ATOMIC_RELAXED);
    }
    return s;
}

uint32_t mgk_crc32c_extend(uint32_t crc, const void *data, size_t n) {
    const uint8_t *p = (const uint8_t *)data;
    return mgk_crc32c_is_hardware() ? extend_hw(crc, p, n) : extend_portable(crc, p, n);
}

uint32_t mgk_crc32c_extend_portable(uint32_t crc, const void *data, size_t n) {
    return extend_portable(crc, (const uint8_t *)data, n);
}

uint32_t mgk_crc32c_combine(uint32_t crc1, uint32_t crc2, size_t length2) {
    // Apply length2 zero bytes to crc1, one squared operator per bit of length2.
    if (length2 == 0) return crc1;
    uint32_t even[32], odd[32];
    four_zero_bits(odd, even);
    do {
        gf2_square(even, odd);  // first pass: one zero byte
        if (length2 & 1) crc1 = gf2_times(even, crc1);
        length2 >>= 1;
        if (length2 == 0) break;
        gf2_square(odd, even);
        if (length2 & 1) crc1 = gf2_times(odd, crc1);
        length2 >>= 1;
    } while (length2 != 0);
    return crc1 ^ crc2;
}
