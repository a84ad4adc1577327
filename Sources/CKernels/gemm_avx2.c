/* SGEMM micro-kernel for AVX2 + FMA: a 6 x 16 tile of C in 12 ymm accumulators (of the 16 registers, two
   hold the B vectors and one the broadcast A value). The loops and packing come from gemm_driver.h; every
   function here is compiled for AVX2 + FMA only through the target attribute below. */

#include "ckernels.h"
#include "gemm_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

#define MR CK_AVX2_MR
#define NR CK_AVX2_NR

#define ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

/* ap: MR x kc packed A panel, bp: kc x NR packed B sliver; writes the mr x nr corner of the tile into C. */
static void kernel_6x16(long kc, const float *restrict ap, const float *restrict bp, float *restrict c, long ldc,
                        float alpha, float beta, int mr, int nr) {
#define DECL(i) __m256 c##i##0 = _mm256_setzero_ps(), c##i##1 = _mm256_setzero_ps();
    ROWS(DECL)
#undef DECL
    for (int i = 0; i < mr; i++) _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
#define STEP(i) { __m256 ai = _mm256_broadcast_ss(ap + i); c##i##0 = _mm256_fmadd_ps(ai, b0, c##i##0); \
                  c##i##1 = _mm256_fmadd_ps(ai, b1, c##i##1); }
    long p = 0;
    for (; p + 4 <= kc; p += 4) {
        _mm_prefetch((const char *)(ap + 8 * MR), _MM_HINT_T0);
        _mm_prefetch((const char *)(ap + 8 * MR + 16), _MM_HINT_T0);
        for (int u = 0; u < 4; u++) {
            __m256 b0 = _mm256_load_ps(bp), b1 = _mm256_load_ps(bp + 8);
            ROWS(STEP)
            ap += MR; bp += NR;
        }
    }
    for (; p < kc; p++) {
        __m256 b0 = _mm256_load_ps(bp), b1 = _mm256_load_ps(bp + 8);
        ROWS(STEP)
        ap += MR; bp += NR;
    }
#undef STEP
    __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    int betaZero = beta == 0;
    if (mr == MR && nr == NR) {
#define STORE(i) { float *r = c + i * ldc; \
        if (betaZero) { _mm256_storeu_ps(r, _mm256_mul_ps(c##i##0, va)); \
                        _mm256_storeu_ps(r + 8, _mm256_mul_ps(c##i##1, va)); } \
        else { _mm256_storeu_ps(r, _mm256_fmadd_ps(c##i##0, va, _mm256_mul_ps(_mm256_loadu_ps(r), vb))); \
               _mm256_storeu_ps(r + 8, _mm256_fmadd_ps(c##i##1, va, _mm256_mul_ps(_mm256_loadu_ps(r + 8), vb))); } }
        ROWS(STORE)
#undef STORE
        return;
    }
    /* Edge tile: through a scratch tile, then element by element. */
    float tile[MR * NR];
#define SPILL(i) _mm256_storeu_ps(tile + i * NR, c##i##0); _mm256_storeu_ps(tile + i * NR + 8, c##i##1);
    ROWS(SPILL)
#undef SPILL
    for (int i = 0; i < mr; i++) {
        float *r = c + i * ldc;
        for (int j = 0; j < nr; j++)
            r[j] = betaZero ? alpha * tile[i * NR + j] : alpha * tile[i * NR + j] + beta * r[j];
    }
}

#define GEMM_MR MR
#define GEMM_NR NR
#define GEMM_MC 144
#define GEMM_KC 256
#define GEMM_NC 3072
#define GEMM_KERNEL kernel_6x16
#define GEMM_SERIAL ck_gemm_serial_avx2
#include "gemm_driver.h"

#pragma clang attribute pop

#else
void ck_gemm_serial_avx2(int transA, int transB, long m, long n, long k, float alpha,
                         const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc) {
    (void)transA; (void)transB; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda; (void)b; (void)ldb;
    (void)beta; (void)c; (void)ldc;
}
#endif
