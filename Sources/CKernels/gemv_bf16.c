/* ck_gemv_bf16_group: the decoding products against weights held in BF16 (`generate --weights bf16`): half
   the bytes of F32 per token, so half the time of a bandwidth-bound step. Each weight is widened exactly
   (BF16 is F32's top 16 bits: a zero-extend and a 16-bit shift) and multiplied with the F32 input in F32, so
   the only difference from F32 decoding is the weights' rounding to BF16. The rows of all matrices are stacked
   and split over the GEMM's pool as in ck_sgemv_group. AVX-512F only (the VPMOVZXWD + VPSLLD widening). */

#include "ckernels.h"
#include "gemm_internal.h"

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define BF16_ROWS 4

#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)

static inline __m512 widen16(const uint16_t *p) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p)), 16));
}


/* sums[r] = dot(A[r, :], x) for R consecutive rows of length n: two 16-lane accumulators per row. */
static inline __attribute__((always_inline)) void bf16_rows(int R, const uint16_t *a, long n, const float *x, float *sums) {
    __m512 acc0[BF16_ROWS], acc1[BF16_ROWS];
    for (int r = 0; r < R; r++) { acc0[r] = _mm512_setzero_ps(); acc1[r] = _mm512_setzero_ps(); }
    long j = 0;
    for (; j + 32 <= n; j += 32) {
        __m512 x0 = _mm512_loadu_ps(x + j), x1 = _mm512_loadu_ps(x + j + 16);
        for (int r = 0; r < R; r++) {
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

static void bf16_dot(long m, long n, const void *weights, const float *x, const float *bias, float *y) {
    const uint16_t *a = (const uint16_t *)weights;
    float sums[BF16_ROWS];
    long i = 0;
    for (; i + BF16_ROWS <= m; i += BF16_ROWS) {
        bf16_rows(BF16_ROWS, a + i * n, n, x, sums);
        for (int r = 0; r < BF16_ROWS; r++) y[i + r] = bias ? sums[r] + bias[i + r] : sums[r];
    }
    for (; i < m; i++) {
        bf16_rows(1, a + i * n, n, x, sums);
        y[i] = bias ? sums[0] + bias[i] : sums[0];
    }
}

#pragma clang attribute pop

int ck_gemv_bf16_group(int threads, int count, const long *rows, long n, const unsigned short *const *a,
                       const float *const *bias, const float *x, float *const *y) {
    if (!ck_has_avx512f()) return -1;
    return ck_gemv_group_run(bf16_dot, sizeof(uint16_t), threads, count, rows, n, (const void *const *)a, bias, x, y);
}

#else

int ck_gemv_bf16_group(int threads, int count, const long *rows, long n, const unsigned short *const *a,
                       const float *const *bias, const float *x, float *const *y) {
    return -1;
}

#endif
