/* SwiGLU forward and backward of swiglu_avx512.c in ymm registers (AVX2 + FMA), the same expressions. */

#include "ckernels.h"

#if defined(__x86_64__)
#include "vector_exp.h"

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

void ck_swiglu_forward_avx2(const float *gate, const float *up, float *out, long n) {
    const __m256 one = _mm256_set1_ps(1.0f);
    for (long i = 0; i < n; i += 8) {
        __m256i k = ck_tail8(n - i);
        __m256 g = ck_load8(gate + i, k, n - i), u = ck_load8(up + i, k, n - i);
        __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, ck_exp8(_mm256_sub_ps(_mm256_setzero_ps(), g))));
        ck_store8(out + i, k, n - i, _mm256_mul_ps(silu, u));
    }
}

void ck_swiglu_backward_avx2(const float *dy, const float *gate, const float *up, float *dgate, float *dup, long n) {
    const __m256 one = _mm256_set1_ps(1.0f);
    for (long i = 0; i < n; i += 8) {
        __m256i k = ck_tail8(n - i);
        __m256 d = ck_load8(dy + i, k, n - i), g = ck_load8(gate + i, k, n - i), u = ck_load8(up + i, k, n - i);
        __m256 denom = _mm256_add_ps(one, ck_exp8(_mm256_sub_ps(_mm256_setzero_ps(), g)));
        __m256 s = _mm256_div_ps(one, denom);
        __m256 slope = _mm256_add_ps(one, _mm256_mul_ps(g, _mm256_sub_ps(one, s)));
        ck_store8(dgate + i, k, n - i, _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(d, u), s), slope));
        ck_store8(dup + i, k, n - i, _mm256_mul_ps(_mm256_div_ps(g, denom), d));
    }
}

#pragma clang attribute pop

#else
void ck_swiglu_forward_avx2(const float *gate, const float *up, float *out, long n) { (void)gate; (void)up; (void)out; (void)n; }
void ck_swiglu_backward_avx2(const float *dy, const float *gate, const float *up, float *dgate, float *dup, long n) {
    (void)dy; (void)gate; (void)up; (void)dgate; (void)dup; (void)n;
}
#endif
