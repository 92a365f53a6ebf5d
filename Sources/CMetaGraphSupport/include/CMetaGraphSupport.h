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
/// What one float32 block holds, for `ckpt stats`: mean and sum of squared
/// deviations (in double), extremes and zeros.
typedef struct { double mean; double m2; float min; float max; int64_t zeros; } mgk_float32_block;
/// Fills `out` for `n` > 0 finite elements and returns 1; returns 0 (leaving `out`
/// unspecified) when an element is NaN or infinite, for the caller to count them.
int mgk_float32_moments(const void *p, size_t n, mgk_float32_block *out);

/// A running comparison of float32 pairs, for `ckpt diff` (start from
/// `{0, 0, 0, 0, -1}`): pairs not equal (both NaN counts as equal), pairs not
/// within `atol + rtol * |b|`, the sum of |a - b| (infinite when not finite), the
/// largest |a - b| and its first position.
typedef struct { int64_t differing; int64_t not_close; double sum_abs; double max_abs; int64_t max_at; } mgk_float32_difference;
/// Adds `n` pairs to `t`; positions are counted from `a` and `b`.
void mgk_float32_difference_scan(const void *a, const void *b, size_t n, double atol, double rtol,
                                 mgk_float32_difference *t);
/// Tests: 0 forces the portable loops, 1 returns to AVX2 where the processor has it.
void mgk_float32_kernels_use_vector(int on);

/// snprintf of one double as "%.*g" (`conversion` 'g'), "%.*f" ('f') or "%5.*f"
/// ('F'); returns what snprintf returns (-1 for another conversion).
int mgk_format_double(char *out, size_t capacity, int precision, char conversion, double value);
#endif
