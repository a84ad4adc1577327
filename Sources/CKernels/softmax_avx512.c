/* Row softmax forward and backward, and the log-sum-exp pieces of log-softmax and cross-entropy, in zmm registers (16 floats per instruction; the portable Swift kernels
   compile to 4-wide SSE). Each function handles one row; the Swift side splits rows over the cores. Row tails
   use masked loads and stores, so every element goes through the same vector math. */

#include "ckernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include "vector_exp.h"

#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)

void ck_softmax_row_avx512(const float *x, float *y, long n) {
    if (n <= 0) return;
    __m512 vmax = _mm512_set1_ps(-__builtin_inff());
    for (long j = 0; j < n; j += 16) {
        __mmask16 k = ck_tail16(n - j);
        vmax = _mm512_max_ps(vmax, _mm512_mask_loadu_ps(_mm512_set1_ps(-__builtin_inff()), k, x + j));
    }
    __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
    __m512 sum = _mm512_setzero_ps();
    for (long j = 0; j < n; j += 16) {
        __mmask16 k = ck_tail16(n - j);
        __m512 e = ck_exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + j), m));
        sum = _mm512_mask_add_ps(sum, k, sum, e);
        _mm512_mask_storeu_ps(y + j, k, e);
    }
    __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
    for (long j = 0; j < n; j += 16) {
        __mmask16 k = ck_tail16(n - j);
        _mm512_mask_storeu_ps(y + j, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, y + j), inv));
    }
}

void ck_softmax_backward_row_avx512(const float *y, const float *dy, float *dx, long n) {
    if (n <= 0) return;
    __m512 acc = _mm512_setzero_ps();
    for (long j = 0; j < n; j += 16) {
        __mmask16 k = ck_tail16(n - j);
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, dy + j), _mm512_maskz_loadu_ps(k, y + j), acc);
    }
    __m512 dot = _mm512_set1_ps(_mm512_reduce_add_ps(acc));
    for (long j = 0; j < n; j += 16) {
        __mmask16 k = ck_tail16(n - j);
        __m512 yv = _mm512_maskz_loadu_ps(k, y + j);
        _mm512_mask_storeu_ps(dx + j, k, _mm512_mul_ps(yv, _mm512_sub_ps(_mm512_maskz_loadu_ps(k, dy + j), dot)));
    }
}

void ck_max_sum_exp_avx512(const float *x, long n, float *max, float *sumExp) {
    __m512 vmax = _mm512_set1_ps(-__builtin_inff());
    for (long j = 0; j < n; j += 16) {
        __mmask16 k = ck_tail16(n - j);
        vmax = _mm512_max_ps(vmax, _mm512_mask_loadu_ps(_mm512_set1_ps(-__builtin_inff()), k, x + j));
    }
    float m = _mm512_reduce_max_ps(vmax);
    __m512 vm = _mm512_set1_ps(m), sum = _mm512_setzero_ps();
    for (long j = 0; j < n; j += 16) {
        __mmask16 k = ck_tail16(n - j);
        sum = _mm512_mask_add_ps(sum, k, sum, ck_exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + j), vm)));
    }
    *max = m;
    *sumExp = _mm512_reduce_add_ps(sum);
}

void ck_scaled_exp_avx512(const float *x, float shift, float scale, float *y, long n) {
    __m512 vs = _mm512_set1_ps(shift), vc = _mm512_set1_ps(scale);
    for (long j = 0; j < n; j += 16) {
        __mmask16 k = ck_tail16(n - j);
        __m512 e = ck_exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + j), vs));
        _mm512_mask_storeu_ps(y + j, k, _mm512_mul_ps(vc, e));
    }
}

#pragma clang attribute pop

#else
void ck_softmax_row_avx512(const float *x, float *y, long n) { (void)x; (void)y; (void)n; }
void ck_softmax_backward_row_avx512(const float *y, const float *dy, float *dx, long n) { (void)y; (void)dy; (void)dx; (void)n; }
void ck_max_sum_exp_avx512(const float *x, long n, float *max, float *sumExp) { (void)x; (void)n; *max = 0; *sumExp = 0; }
void ck_scaled_exp_avx512(const float *x, float shift, float scale, float *y, long n) {
    (void)x; (void)shift; (void)scale; (void)y; (void)n;
}
#endif
