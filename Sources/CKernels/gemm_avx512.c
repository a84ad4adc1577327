/* SGEMM micro-kernel for AVX-512F: a 12 x 32 tile of C in 24 zmm accumulators. Per k step it loads two
   vectors of the packed B sliver and broadcasts 12 values of the packed A panel (folded into the FMAs as
   {1to16} memory operands), so 24 FMAs cost 14 loads: the two FMA ports, not the load ports, set the pace.
   The loops and packing come from gemm_driver.h. Every function here is compiled for AVX-512 only through the
   target attribute below, so the package still builds for (and runs on) CPUs without it. */

#include "ckernels.h"
#include "gemm_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

int ck_has_avx512f(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)

#define MR CK_AVX512_MR
#define NR CK_AVX512_NR

#define ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

static inline void store_row(float *c, __m512 lo, __m512 hi, __m512 va, __m512 vb, int betaZero) {
    if (betaZero) {
        _mm512_storeu_ps(c, _mm512_mul_ps(lo, va));
        _mm512_storeu_ps(c + 16, _mm512_mul_ps(hi, va));
    } else {
        _mm512_storeu_ps(c, _mm512_fmadd_ps(lo, va, _mm512_mul_ps(_mm512_loadu_ps(c), vb)));
        _mm512_storeu_ps(c + 16, _mm512_fmadd_ps(hi, va, _mm512_mul_ps(_mm512_loadu_ps(c + 16), vb)));
    }
}

/* ap: MR x kc packed A panel, bp: kc x NR packed B sliver; writes the mr x nr corner of the tile into C. */
static void kernel_12x32(long kc, const float *restrict ap, const float *restrict bp, float *restrict c, long ldc,
                         float alpha, float beta, int mr, int nr) {
#define DECL(i) __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = _mm512_setzero_ps();
    ROWS(DECL)
#undef DECL
    for (int i = 0; i < mr; i++) _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0),
                                 _mm_prefetch((const char *)(c + i * ldc + 16), _MM_HINT_T0);
#define STEP(i) { __m512 ai = _mm512_set1_ps(ap[i]); c##i##0 = _mm512_fmadd_ps(ai, b0, c##i##0); \
                  c##i##1 = _mm512_fmadd_ps(ai, b1, c##i##1); }
    long p = 0;
    for (; p + 4 <= kc; p += 4) {
        _mm_prefetch((const char *)(ap + 8 * MR), _MM_HINT_T0);
        _mm_prefetch((const char *)(ap + 8 * MR + 16), _MM_HINT_T0);
        _mm_prefetch((const char *)(ap + 8 * MR + 32), _MM_HINT_T0);
        for (int u = 0; u < 4; u++) {
            __m512 b0 = _mm512_load_ps(bp), b1 = _mm512_load_ps(bp + 16);
            ROWS(STEP)
            ap += MR; bp += NR;
        }
    }
    for (; p < kc; p++) {
        __m512 b0 = _mm512_load_ps(bp), b1 = _mm512_load_ps(bp + 16);
        ROWS(STEP)
        ap += MR; bp += NR;
    }
#undef STEP
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    int betaZero = beta == 0;
    if (mr == MR && nr == NR) {
#define STORE(i) store_row(c + i * ldc, c##i##0, c##i##1, va, vb, betaZero);
        ROWS(STORE)
#undef STORE
        return;
    }
    /* Edge tile: columns by mask, rows by count. */
    __mmask16 m0 = nr >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1);
    __mmask16 m1 = nr >= 32 ? (__mmask16)0xFFFF : nr > 16 ? (__mmask16)((1u << (nr - 16)) - 1) : 0;
#define STORE(i) if (i < mr) { float *r = c + i * ldc; \
        __m512 lo = _mm512_mul_ps(c##i##0, va), hi = _mm512_mul_ps(c##i##1, va); \
        if (!betaZero) { lo = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m0, r), vb, lo); \
                         hi = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m1, r + 16), vb, hi); } \
        _mm512_mask_storeu_ps(r, m0, lo); _mm512_mask_storeu_ps(r + 16, m1, hi); }
    ROWS(STORE)
#undef STORE
}

#define GEMM_MR MR
#define GEMM_NR NR
#define GEMM_MC 240
#define GEMM_KC 256
#define GEMM_NC 3072
#define GEMM_KERNEL kernel_12x32
#define GEMM_SERIAL ck_gemm_serial_avx512
#include "gemm_driver.h"

#pragma clang attribute pop

#else
int ck_has_avx512f(void) { return 0; }
void ck_gemm_serial_avx512(int transA, int transB, long m, long n, long k, float alpha,
                           const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc) {
    (void)transA; (void)transB; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda; (void)b; (void)ldb;
    (void)beta; (void)c; (void)ldc;
}
#endif
