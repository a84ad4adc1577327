/* SwiGLU, out = silu(gate) * up, forward and backward over flat buffers in zmm registers: the gated MLP of the
   Llama family. The Swift kernel (GatedActivationKernel with SiLUKernel) is compute-bound on its 4-wide exp;
   sixteen lanes and fused multiply-adds bring it to the memory's pace. The expressions are the Swift ones,
   operation for operation (only the exp's fused multiply-adds differ), so both paths agree to float rounding. */

#include "ckernels.h"

#if defined(__x86_64__)
#include "vector_exp.h"

#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)

void ck_swiglu_forward_avx512(const float *gate, const float *up, float *out, long n) {
    const __m512 one = _mm512_set1_ps(1.0f);
    for (long i = 0; i < n; i += 16) {
        __mmask16 k = ck_tail16(n - i);
        __m512 g = _mm512_maskz_loadu_ps(k, gate + i), u = _mm512_maskz_loadu_ps(k, up + i);
        /* g / (1 + e^-g) * u */
        __m512 silu = _mm512_div_ps(g, _mm512_add_ps(one, ck_exp16(_mm512_sub_ps(_mm512_setzero_ps(), g))));
        _mm512_mask_storeu_ps(out + i, k, _mm512_mul_ps(silu, u));
    }
}

void ck_swiglu_backward_avx512(const float *dy, const float *gate, const float *up, float *dgate, float *dup, long n) {
    const __m512 one = _mm512_set1_ps(1.0f);
    for (long i = 0; i < n; i += 16) {
        __mmask16 k = ck_tail16(n - i);
        __m512 d = _mm512_maskz_loadu_ps(k, dy + i), g = _mm512_maskz_loadu_ps(k, gate + i);
        __m512 u = _mm512_maskz_loadu_ps(k, up + i);
        __m512 denom = _mm512_add_ps(one, ck_exp16(_mm512_sub_ps(_mm512_setzero_ps(), g)));
        __m512 s = _mm512_div_ps(one, denom);
        /* d gate = (dy u) s (1 + g (1 - s)); d up = g / (1 + e^-g) * dy */
        __m512 slope = _mm512_add_ps(one, _mm512_mul_ps(g, _mm512_sub_ps(one, s)));
        _mm512_mask_storeu_ps(dgate + i, k, _mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(d, u), s), slope));
        _mm512_mask_storeu_ps(dup + i, k, _mm512_mul_ps(_mm512_div_ps(g, denom), d));
    }
}

#pragma clang attribute pop

#else
void ck_swiglu_forward_avx512(const float *gate, const float *up, float *out, long n) { (void)gate; (void)up; (void)out; (void)n; }
void ck_swiglu_backward_avx512(const float *dy, const float *gate, const float *up, float *dgate, float *dup, long n) {
    (void)dy; (void)gate; (void)up; (void)dgate; (void)dup; (void)n;
}
#endif
