// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zip files store it.
// PCLMULQDQ folding on x86-64 when present, slicing-by-8 otherwise; used by the
// .npz exporter.
#include "CMetaGraphSupport.h"
#include <stdlib.h>
#include <string.h>

static uint32_t ieee[8][256];
static int ieee_ready = 0;

static void build(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
        ieee[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++) ieee[t][i] = (ieee[t - 1][i] >> 8) ^ ieee[0][ieee[t - 1][i] & 0xff];
    __atomic_store_n(&ieee_ready, 1, __ATOMIC_RELEASE);
}

static uint32_t table_path(uint32_t crc, const uint8_t *p, size_t n);

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

// Folding with carry-less multiplication (Intel, "Fast CRC Computation for Generic
// Polynomials Using PCLMULQDQ", 2009), as Chromium's zlib crc32_simd.c does it.
// `crc` is the running (inverted) register; returns the register. n >= 64, n % 16 == 0.
__attribute__((target("sse4.1,pclmul")))
static uint32_t fold_pclmul(const uint8_t *buf, size_t len, uint32_t crc) {
    static const uint64_t __attribute__((aligned(16))) k1k2[] = {0x0154442bd4, 0x01c6e41596};
    static const uint64_t __attribute__((aligned(16))) k3k4[] = {0x01751997d0, 0x00ccaa009e};
    static const uint64_t __attribute__((aligned(16))) k5k0[] = {0x0163cd6124, 0x0000000000};
    static const uint64_t __attribute__((aligned(16))) poly[] = {0x01db710641, 0x01f7011641};
    __m128i x0, x1, x2, x3, x4, x5, x6, x7, x8, y5, y6, y7, y8;
    x1 = _mm_loadu_si128((const __m128i *)(buf + 0x00));
    x2 = _mm_loadu_si128((const __m128i *)(buf + 0x10));
    x3 = _mm_loadu_si128((const __m128i *)(buf + 0x20));
    x4 = _mm_loadu_si128((const __m128i *)(buf + 0x30));
    x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
    x0 = _mm_load_si128((const __m128i *)k1k2);
    buf += 64;
    len -= 64;
    while (len >= 64) {
        x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
        x6 = _mm_clmulepi64_si128(x2, x0, 0x00);
        x7 = _mm_clmulepi64_si128(x3, x0, 0x00);
        x8 = _mm_clmulepi64_si128(x4, x0, 0x00);
        x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
        x2 = _mm_clmulepi64_si128(x2, x0, 0x11);
        x3 = _mm_clmulepi64_si128(x3, x0, 0x11);
        x4 = _mm_clmulepi64_si128(x4, x0, 0x11);
        y5 = _mm_loadu_si128((const __m128i *)(buf + 0x00));
        y6 = _mm_loadu_si128((const __m128i *)(buf + 0x10));
        y7 = _mm_loadu_si128((const __m128i *)(buf + 0x20));
        y8 = _mm_loadu_si128((const __m128i *)(buf + 0x30));
        x1 = _mm_xor_si128(_mm_xor_si128(x1, x5), y5);
        x2 = _mm_xor_si128(_mm_xor_si128(x2, x6), y6);
        x3 = _mm_xor_si128(_mm_xor_si128(x3, x7), y7);
        x4 = _mm_xor_si128(_mm_xor_si128(x4, x8), y8);
        buf += 64;
        len -= 64;
    }
    x0 = _mm_load_si128((const __m128i *)k3k4);
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x2), x5);
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x3), x5);
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x4), x5);
    while (len >= 16) {
        x2 = _mm_loadu_si128((const __m128i *)buf);
        x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
        x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
        x1 = _mm_xor_si128(_mm_xor_si128(x1, x2), x5);
        buf += 16;
        len -= 16;
    }
    x2 = _mm_clmulepi64_si128(x1, x0, 0x10);
    x3 = _mm_setr_epi32(~0, 0, ~0, 0);
    x1 = _mm_srli_si128(x1, 8);
    x1 = _mm_xor_si128(x1, x2);
    x0 = _mm_loadl_epi64((const __m128i *)k5k0);
    x2 = _mm_srli_si128(x1, 4);
    x1 = _mm_and_si128(x1, x3);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x1 = _mm_xor_si128(x1, x2);
    x0 = _mm_load_si128((const __m128i *)poly);
    x2 = _mm_and_si128(x1, x3);
    x2 = _mm_clmulepi64_si128(x2, x0, 0x10);
    x2 = _mm_and_si128(x2, x3);
    x2 = _mm_clmulepi64_si128(x2, x0, 0x00);
    x1 = _mm_xor_si128(x1, x2);
    return (uint32_t)_mm_extract_epi32(x1, 1);
}

static int pclmul_state = -1;

static int has_pclmul(void) {
    int s = __atomic_load_n(&pclmul_state, __ATOMIC_RELAXED);
    if (s < 0) {
        unsigned a, b, c, d;
        s = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 1)) && (c & (1u << 19)) ? 1 : 0;  // PCLMULQDQ, SSE4.1
        const char *v = getenv("MGK_CRC32C_PORTABLE");
        if (v != NULL && v[0] == '1') s = 0;
        __atomic_store_n(&pclmul_state, s, __ATOMIC_RELAXED);
    }
    return s;
}

uint32_t mgk_crc32_ieee_extend(uint32_t crc, const void *data, size_t n) {
    const uint8_t *p = data;
    if (n >= 64 && has_pclmul()) {
        size_t chunk = n & ~(size_t)15;
        crc = ~fold_pclmul(p, chunk, ~crc);
        p += chunk;
        n -= chunk;
    }
    return table_path(crc, p, n);
}
#else
uint32_t mgk_crc32_ieee_extend(uint32_t crc, const void *data, size_t n) {
    return table_path(crc, data, n);
}
#endif

/// The table path, whatever the processor (tests compare both).
uint32_t mgk_crc32_ieee_extend_portable(uint32_t crc, const void *data, size_t n) {
    return table_path(crc, data, n);
}

static uint32_t table_path(uint32_t crc, const uint8_t *p, size_t n) {
    if (!__atomic_load_n(&ieee_ready, __ATOMIC_ACQUIRE)) build();
    uint32_t c = ~crc;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        w ^= c;
        c = ieee[7][w & 0xff] ^ ieee[6][(w >> 8) & 0xff] ^ ieee[5][(w >> 16) & 0xff] ^
            ieee[4][(w >> 24) & 0xff] ^ ieee[3][(w >> 32) & 0xff] ^ ieee[2][(w >> 40) & 0xff] ^
            ieee[1][(w >> 48) & 0xff] ^ ieee[0][(w >> 56) & 0xff];
        p += 8;
        n -= 8;
    }
    while (n--) c = (c >> 8) ^ ieee[0][(c ^ *p++) & 0xff];
    return ~c;
}
