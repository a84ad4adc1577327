/* ck_gemv_bf16_group: the decoding products against weights held in BF16 (`generate --weights bf16`): half
   the bytes of F32 per token, so half the time of a bandwidth-bound step. Each weight is widened exactly
   (BF16 is F32's top 16 bits: a zero-extend and a 16-bit shift) and multiplied with the F32 input in F32, so
   the only difference from F32 decoding is the weights' rounding to BF16. The rows of all matrices are stacked
   and split over the GEMM's pool as in ck_sgemv_group. Three kernels, picked at run time: AVX-512F and AVX2+FMA
   (each with the accumulators, order and tails of the F32 kernel of its width in gemv.c, so their sums equal
   it on the widened weights bit for bit) and a plain C one for every other CPU. */

#include "ckernels.h"
#include "gemm_internal.h"

#include <stdint.h>
#include <string.h>

#define BF16_ROWS 4

static inline float widen1(uint16_t bits) {
    uint32_t wide = (uint32_t)bits << 16;
    float f;
    memcpy(&f, &wide, sizeof f);
    return f;
}

/* ---- plain C: 8 partial sums per row (so the compiler may vectorise), added pairwise at the end ---- */

static void bf16_dot_portable(long m, long n, const void *weights, const float *x, const float *bias, float *y) {
    const uint16_t *a = (const uint16_t *)weights;
    for (long i = 0; i < m; i++) {
        const uint16_t *row = a + i * n;
        float part[8] = {0};
        long j = 0;
        for (; j + 8 <= n; j += 8)
            for (int l = 0; l < 8; l++) part[l] += widen1(row[j + l]) * x[j + l];
        float s = ((part[0] + part[4]) + (part[1] + part[5])) + ((part[2] + part[6]) + (part[3] + part[7]));
        for (; j < n; j++) s += widen1(row[j]) * x[j];
        y[i] = bias ? s + bias[i] : s;
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

/* y (m) = A x + bias for the rows of A, BF16_ROWS rows at a time through ROWS (a width's row kernel, inlined),
   then one at a time; the driver of each vector width (expanded inside that width's target region). */
#define BF16_DOT(NAME, ROWS)                                                                                     \
    static void NAME(long m, long n, const void *weights, const float *x, const float *bias, float *y) {        \
        const uint16_t *a = (const uint16_t *)weights;                                                           \
        float sums[BF16_ROWS];                                                                                   \
        long i = 0;                                                                                              \
        for (; i + BF16_ROWS <= m; i += BF16_ROWS) {                                                             \
            ROWS(BF16_ROWS, a + i * n, n, x, sums);                                                              \
            for (int r = 0; r < BF16_ROWS; r++) y[i + r] = bias ? sums[r] + bias[i + r] : sums[r];               \
        }                                                                                                        \
        for (; i < m; i++) {                                                                                     \
            ROWS(1, a + i * n, n, x, sums);                                                                      \
            y[i] = bias ? sums[0] + bias[i] : sums[0];                                                           \
        }                                                                                                        \
    }

/* ---- AVX-512F: VPMOVZXWD + VPSLLD on 16 weights ---- */
#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)

static inline __m512 widen16(const uint16_t *p) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p)), 16));
}

/* sums[r] = dot(A[r, :], x) for R consecutive rows of length n: two 16-lane accumulators per row. */
static inline __attribute__((always_inline)) void bf16_rows_avx512(int R, const uint16_t *a, long n, const float *x,
                                                                   float *sums) {
    __m512 acc0[BF16_ROWS], acc1[BF16_ROWS];
    for (int r = 0; r < R; r++) { acc0[r] = _mm512_setzero_ps(); acc1[r] = _mm512_setzero_ps(); }
    long j = 0;
    for (; j + 32 <= n; j += 32) {
        __m512 x0 = _mm512_loadu_ps(x + j), x1 = _mm512_loadu_ps(x + j + 16);
        for (int r = 0; r < R; r++) {
            _mm_prefetch((const char *)(a + (r + 2 * R) * n + j), _MM_HINT_T0); /* as gemv.c's dot kernels */
            acc0[r] = _mm512_fmadd_ps(widen16(a + r * n + j), x0, acc0[r]);
            acc1[r] = _mm512_fmadd_ps(widen16(a + r * n + j + 16), x1, acc1[r]);
        }
    }
    if (j + 16 <= n) {
        __m512 x0 = _mm512_loadu_ps(x + j);
        for (int r = 0; r < R; r++) acc0[r] = _mm512_fmadd_ps(widen16(a + r * n + j), x0, acc0[r]);
        j += 16;
    }
    if (j < n) {
        /* The last n % 16 elements through a zero-padded copy (a masked 16-bit load needs AVX-512BW). */
        __mmask16 mask = (__mmask16)((1u << (n - j)) - 1);
        __m512 x0 = _mm512_maskz_loadu_ps(mask, x + j);
        uint16_t tail[16];
        for (int r = 0; r < R; r++) {
            memset(tail, 0, sizeof tail);
            memcpy(tail, a + r * n + j, sizeof(uint16_t) * (size_t)(n - j));
            acc1[r] = _mm512_fmadd_ps(widen16(tail), x0, acc1[r]);
        }
    }
    for (int r = 0; r < R; r++) sums[r] = _mm512_reduce_add_ps(_mm512_add_ps(acc0[r], acc1[r]));
}

BF16_DOT(bf16_dot_avx512, bf16_rows_avx512)

#pragma clang attribute pop

/* ---- AVX2 + FMA: VPMOVZXWD + VPSLLD on 8 weights ---- */
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

static inline __m256 widen8(const uint16_t *p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
}

static inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* Two 8-lane accumulators per row over 16 columns a step, one more 8-column step, then a scalar tail added to
   the reduced sum: gemv.c's dot_rows_avx2 exactly. */
static inline __attribute__((always_inline)) void bf16_rows_avx2(int R, const uint16_t *a, long n, const float *x,
                                                                 float *sums) {
    __m256 acc0[BF16_ROWS], acc1[BF16_ROWS];
    for (int r = 0; r < R; r++) { acc0[r] = _mm256_setzero_ps(); acc1[r] = _mm256_setzero_ps(); }
    long j = 0;
    for (; j + 16 <= n; j += 16) {
        __m256 x0 = _mm256_loadu_ps(x + j), x1 = _mm256_loadu_ps(x + j + 8);
        for (int r = 0; r < R; r++) {
            if ((j & 31) == 0) _mm_prefetch((const char *)(a + (r + 2 * R) * n + j), _MM_HINT_T0);
            acc0[r] = _mm256_fmadd_ps(widen8(a + r * n + j), x0, acc0[r]);
            acc1[r] = _mm256_fmadd_ps(widen8(a + r * n + j + 8), x1, acc1[r]);
        }
    }
    if (j + 8 <= n) {
        __m256 x0 = _mm256_loadu_ps(x + j);
        for (int r = 0; r < R; r++) acc0[r] = _mm256_fmadd_ps(widen8(a + r * n + j), x0, acc0[r]);
        j += 8;
    }
    for (int r = 0; r < R; r++) {
        float s = hsum8(_mm256_add_ps(acc0[r], acc1[r]));
        for (long t = j; t < n; t++) s += widen1(a[r * n + t]) * x[t];
        sums[r] = s;
    }
}

BF16_DOT(bf16_dot_avx2, bf16_rows_avx2)

#pragma clang attribute pop

#endif

int ck_gemv_bf16_group_variant(int variant, int threads, int count, const long *rows, long n,
                               const unsigned short *const *a, const float *const *bias, const float *x,
                               float *const *y) {
    ck_gemv_rows_fn fn = NULL;
    if (variant == CK_GEMM_AUTO) variant = ck_has_avx512f() ? CK_GEMM_AVX512 : ck_has_avx2_fma() ? CK_GEMM_AVX2 : CK_GEMV_PORTABLE;
#if defined(__x86_64__)
    if (variant == CK_GEMM_AVX512 && ck_has_avx512f()) fn = bf16_dot_avx512;
    else if (variant == CK_GEMM_AVX2 && ck_has_avx2_fma()) fn = bf16_dot_avx2;
#endif
    if (variant == CK_GEMV_PORTABLE) fn = bf16_dot_portable;
    if (!fn) return -1;
    return ck_gemv_group_run(fn, sizeof(uint16_t), threads, count, rows, n, (const void *const *)a, bias, x, y);
}

int ck_gemv_bf16_group(int threads, int count, const long *rows, long n, const unsigned short *const *a,
                       const float *const *bias, const float *x, float *const *y) {
    return ck_gemv_bf16_group_variant(CK_GEMM_AUTO, threads, count, rows, n, a, bias, x, y);
}
