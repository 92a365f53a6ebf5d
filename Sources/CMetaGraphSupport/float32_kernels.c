// The float32 inner loops of `ckpt stats` and `ckpt diff`. The package is built for
// the x86-64 baseline (SSE2), where Swift's SIMD types split Double lanes into
// scalar code; these loops use AVX2 when the processor has it (chosen once, at the
// first call) and a portable loop otherwise. Both give the same counts and extremes;
// sums may differ from a sequential loop in their last bits (the lanes add in a
// different order).
#include "CMetaGraphSupport.h"
#include <math.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MGK_X86 1
#endif

static int cached = -1;

static int has_avx2(void) {
#if MGK_X86
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return cached;
#else
    return 0;
#endif
}

void mgk_float32_kernels_use_vector(int on) {
    cached = -1;
    cached = on ? has_avx2() : 0;
}

// Tensor payloads sit at any byte offset of a mapped file: every load is unaligned.
static inline float ld(const float *p, size_t i) {
    float x;
    memcpy(&x, (const unsigned char *)p + 4 * i, sizeof x);
    return x;
}

// MARK: - Moments

static int moments_portable(const float *p, size_t n, mgk_float32_block *out) {
    double sum = 0;
    float lo = INFINITY, hi = -INFINITY;
    int64_t zeros = 0;
    for (size_t i = 0; i < n; i++) {
        float x = ld(p, i);
        sum += x;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
        zeros += x == 0;
    }
    if (!isfinite(sum)) return 0;
    double mean = sum / (double)n, m2 = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)ld(p, i) - mean;
        m2 += d * d;
    }
    out->mean = mean; out->m2 = m2; out->min = lo; out->max = hi; out->zeros = zeros;
    return 1;
}

#if MGK_X86
__attribute__((target("avx2,fma")))
static int moments_avx2(const float *p, size_t n, mgk_float32_block *out) {
    size_t vectors = n / 8;
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    __m256 mn = _mm256_set1_ps(INFINITY), mx = _mm256_set1_ps(-INFINITY);
    const __m256 zero = _mm256_setzero_ps();
    int64_t zeros = 0;
    for (size_t v = 0; v < vectors; v++) {
        __m256 x = _mm256_loadu_ps(p + 8 * v);
        s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(x)));
        s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)));
        mn = _mm256_min_ps(mn, x);
        mx = _mm256_max_ps(mx, x);
        zeros += __builtin_popcount((unsigned)_mm256_movemask_ps(_mm256_cmp_ps(x, zero, _CMP_EQ_OQ)));
    }
    double lanes[4], sum;
    _mm256_storeu_pd(lanes, _mm256_add_pd(s0, s1));
    sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    float lo[8], hi[8], low = INFINITY, high = -INFINITY;
    _mm256_storeu_ps(lo, mn);
    _mm256_storeu_ps(hi, mx);
    for (int i = 0; i < 8; i++) { if (lo[i] < low) low = lo[i]; if (hi[i] > high) high = hi[i]; }
    for (size_t i = vectors * 8; i < n; i++) {
        float x = ld(p, i);
        sum += x;
        if (x < low) low = x;
        if (x > high) high = x;
        zeros += x == 0;
    }
    // A NaN or an infinity makes the sum non-finite (and min/max would have dropped a NaN).
    if (!isfinite(sum)) return 0;
    double mean = sum / (double)n;
    __m256d m = _mm256_set1_pd(mean), q0 = _mm256_setzero_pd(), q1 = _mm256_setzero_pd();
    for (size_t v = 0; v < vectors; v++) {
        __m256 x = _mm256_loadu_ps(p + 8 * v);
        __m256d d0 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(x)), m);
        __m256d d1 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)), m);
        q0 = _mm256_fmadd_pd(d0, d0, q0);
        q1 = _mm256_fmadd_pd(d1, d1, q1);
    }
    _mm256_storeu_pd(lanes, _mm256_add_pd(q0, q1));
    double m2 = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    for (size_t i = vectors * 8; i < n; i++) {
        double d = (double)ld(p, i) - mean;
        m2 += d * d;
    }
    out->mean = mean; out->m2 = m2; out->min = low; out->max = high; out->zeros = zeros;
    return 1;
}
#endif

int mgk_float32_moments(const void *data, size_t n, mgk_float32_block *out) {
    const float *p = data;
    if (n == 0) return 0;
#if MGK_X86
    if (has_avx2()) return moments_avx2(p, n, out);
#endif
    return moments_portable(p, n, out);
}

// MARK: - Differences

// One pair, as the Swift Tally.add: equal or both NaN is no difference; |a - b| in
// double, infinite when not finite; close when |a - b| <= atol + rtol * |b|.
static inline double pair_delta(float a, float b, int *differs) {
    if (a == b || (isnan(a) && isnan(b))) { *differs = 0; return 0; }
    *differs = 1;
    double d = fabs((double)a - (double)b);
    return isfinite(d) ? d : INFINITY;
}

static void difference_portable(const float *a, const float *b, size_t n, double atol, double rtol,
                                mgk_float32_difference *t, double *block_max) {
    double mx = 0;
    for (size_t i = 0; i < n; i++) {
        int differs;
        double d = pair_delta(ld(a, i), ld(b, i), &differs);
        if (!differs) continue;
        t->differing++;
        if (!(d <= atol + rtol * fabs((double)ld(b, i)))) t->not_close++;
        t->sum_abs += d;
        if (d > mx) mx = d;
    }
    *block_max = mx;
}

#if MGK_X86
__attribute__((target("avx2,fma")))
static void difference_avx2(const float *a, const float *b, size_t n, double atol, double rtol,
                            mgk_float32_difference *t, double *block_max) {
    const __m256d sign = _mm256_set1_pd(-0.0), inf = _mm256_set1_pd(INFINITY);
    const __m256d va_tol = _mm256_set1_pd(atol), vr_tol = _mm256_set1_pd(rtol);
    __m256d sum = _mm256_setzero_pd(), mx = _mm256_setzero_pd();
    int64_t skipped = 0, close_or_skipped = 0;
    size_t quads = n / 4;
    for (size_t q = 0; q < quads; q++) {
        __m256d x = _mm256_cvtps_pd(_mm_loadu_ps(a + 4 * q));
        __m256d y = _mm256_cvtps_pd(_mm_loadu_ps(b + 4 * q));
        __m256d skip = _mm256_or_pd(_mm256_cmp_pd(x, y, _CMP_EQ_OQ),
                                    _mm256_and_pd(_mm256_cmp_pd(x, x, _CMP_UNORD_Q), _mm256_cmp_pd(y, y, _CMP_UNORD_Q)));
        __m256d d = _mm256_andnot_pd(sign, _mm256_sub_pd(x, y));
        // NaN or infinite |a - b| counts as infinity.
        d = _mm256_blendv_pd(inf, d, _mm256_cmp_pd(d, inf, _CMP_LT_OQ));
        d = _mm256_andnot_pd(skip, d);
        __m256d tol = _mm256_fmadd_pd(vr_tol, _mm256_andnot_pd(sign, y), va_tol);
        __m256d close = _mm256_cmp_pd(d, tol, _CMP_LE_OQ);
        skipped += __builtin_popcount((unsigned)_mm256_movemask_pd(skip));
        close_or_skipped += __builtin_popcount((unsigned)_mm256_movemask_pd(_mm256_or_pd(skip, close)));
        sum = _mm256_add_pd(sum, d);
        mx = _mm256_max_pd(mx, d);
    }
    double s[4], m[4];
    _mm256_storeu_pd(s, sum);
    _mm256_storeu_pd(m, mx);
    int64_t done = (int64_t)quads * 4;
    t->differing += done - skipped;
    t->not_close += done - close_or_skipped;
    t->sum_abs += (s[0] + s[1]) + (s[2] + s[3]);
    double best = m[0];
    for (int i = 1; i < 4; i++) if (m[i] > best) best = m[i];
    double tail_max = 0;
    if (quads * 4 < n) difference_portable(a + quads * 4, b + quads * 4, n - quads * 4, atol, rtol, t, &tail_max);
    *block_max = tail_max > best ? tail_max : best;
}
#endif

void mgk_float32_difference_scan(const void *data_a, const void *data_b, size_t n, double atol, double rtol,
                                 mgk_float32_difference *t) {
    const float *a = data_a, *b = data_b;
    // Blocks small enough to stay in the cache when the largest difference must be
    // found again, element by element, to name its first position.
    enum { BLOCK = 4096 };
    int vector = has_avx2();
    for (size_t lo = 0; lo < n; lo += BLOCK) {
        size_t len = n - lo < BLOCK ? n - lo : BLOCK;
        int64_t before = t->differing;
        double block_max = 0;
#if MGK_X86
        if (vector) difference_avx2(a + lo, b + lo, len, atol, rtol, t, &block_max);
        else
#endif
            difference_portable(a + lo, b + lo, len, atol, rtol, t, &block_max);
        (void)vector;
        if (t->differing == before) continue;
        if (block_max > t->max_abs || t->max_at < 0) {
            for (size_t i = 0; i < len; i++) {
                int differs;
                double d = pair_delta(ld(a, lo + i), ld(b, lo + i), &differs);
                if (differs && d == block_max) { t->max_abs = d; t->max_at = (int64_t)(lo + i); break; }
            }
        }
    }
}
