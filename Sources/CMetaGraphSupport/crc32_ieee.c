// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zip files store it.
// Slicing-by-8; used by the .npz exporter.
#include "CMetaGraphSupport.h"
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

uint32_t mgk_crc32_ieee_extend(uint32_t crc, const void *data, size_t n) {
    if (!__atomic_load_n(&ieee_ready, __ATOMIC_ACQUIRE)) build();
    const uint8_t *p = data;
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
