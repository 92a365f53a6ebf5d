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

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>

// An unrolled loop of 8-byte steps.
__attribute__((target("sse4.2")))
static uint32_t extend_hw(uint32_t crc, const uint8_t *p, size_t n) {
    uint64_t c = (uint32_t)~crc;
    while (n && ((uintptr_t)p & 7)) { c = _mm_crc32_u8((uint32_t)c, *p++); n--; }
    while (n >= 64) {
        uint64_t a, b, d, e, f, g, h, i;
        memcpy(&a, p, 8); memcpy(&b, p + 8, 8); memcpy(&d, p + 16, 8); memcpy(&e, p + 24, 8);
        memcpy(&f, p + 32, 8); memcpy(&g, p + 40, 8); memcpy(&h, p + 48, 8); memcpy(&i, p + 56, 8);
        c = _mm_crc32_u64(c, a); c = _mm_crc32_u64(c, b); c = _mm_crc32_u64(c, d); c = _mm_crc32_u64(c, e);
        c = _mm_crc32_u64(c, f); c = _mm_crc32_u64(c, g); c = _mm_crc32_u64(c, h); c = _mm_crc32_u64(c, i);
        p += 64; n -= 64;
    }
    while (n >= 8) { uint64_t w; memcpy(&w, p, 8); c = _mm_crc32_u64(c, w); p += 8; n -= 8; }
    while (n--) c = _mm_crc32_u8((uint32_t)c, *p++);
    return ~(uint32_t)c;
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
