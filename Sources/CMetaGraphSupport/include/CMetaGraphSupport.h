#ifndef CMETAGRAPHSUPPORT_H
#define CMETAGRAPHSUPPORT_H
#include <stddef.h>
#include <stdint.h>
/// Extends a finalized CRC-32C (Castagnoli) with `n` bytes; `crc` 0 starts a new stream.
uint32_t mgk_crc32c_extend(uint32_t crc, const void *data, size_t n);
/// 1 when the hardware instruction is used, 0 for the portable table.
int mgk_crc32c_is_hardware(void);
/// The portable table path, whatever the processor (for tests).
uint32_t mgk_crc32c_extend_portable(uint32_t crc, const void *data, size_t n);
/// Extends a finalized CRC-32 (IEEE 802.3, zlib/zip polynomial 0xEDB88320) with `n` bytes.
uint32_t mgk_crc32_ieee_extend(uint32_t crc, const void *data, size_t n);
/// The portable table path of mgk_crc32_ieee_extend (for tests).
uint32_t mgk_crc32_ieee_extend_portable(uint32_t crc, const void *data, size_t n);
// The CRC-32C of A ‖ B from crc(A), crc(B) and the length of B (zlib's crc32_combine).
uint32_t mgk_crc32c_combine(uint32_t crc1, uint32_t crc2, size_t length2);
#endif
