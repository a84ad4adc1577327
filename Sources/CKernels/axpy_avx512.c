/* y += alpha x and x *= alpha in zmm registers: gradient accumulation's two level-1 products, which went to
   OpenBLAS and, on large buffers, woke its own threads, whose idle spinning then took the second core from our
   GEMM pool (whatever OpenBLAS's kernels: SSE3 Prescott or Haswell). */

#include "ckernels.h"

#if defined(__x86_64__)
#include "vector_exp.h"

#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)

void ck_saxpy_avx512(long n, float alpha, const float *x, float *y) {
    const __m512 a = _mm512_set1_ps(alpha);
    long i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512 y0 = _mm512_fmadd_ps(a, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i));
        __m512 y1 = _mm512_fmadd_ps(a, _mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(y + i + 16));
        _mm512_storeu_ps(y + i, y0);
        _mm512_storeu_ps(y + i + 16, y1);
    }
    for (; i < n; i += 16) {
        __mmask16 k = ck_tail16(n - i);
        _mm512_mask_storeu_ps(y + i, k, _mm512_fmadd_ps(a, _mm512_maskz_loadu_ps(k, x + i), _mm512_maskz_loadu_ps(k, y + i)));
    }
}

void ck_sscal_avx512(long n, float alpha, float *x) {
    const __m512 a = _mm512_set1_ps(alpha);
    for (long i = 0; i < n; i += 16) {
        __mmask16 k = ck_tail16(n - i);
        _mm512_mask_storeu_ps(x + i, k, _mm512_mul_ps(a, _mm512_maskz_loadu_ps(k, x + i)));
    }
}

#pragma clang attribute pop

#else
void ck_saxpy_avx512(long n, float alpha, const float *x, float *y) { (void)n; (void)alpha; (void)x; (void)y; }
void ck_sscal_avx512(long n, float alpha, float *x) { (void)n; (void)alpha; (void)x; }
#endif
