/* One AdamW step over a flat buffer in zmm registers. The arithmetic is the Swift loop's (AdamW.step),
   operation for operation and without fused multiply-adds, so both paths give the same bits. */

#include "ckernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f")))
void ck_adamw_step_avx512(float *w, const float *g, float *m, float *v, long n, float decay, float oneMinusBeta1,
                          float beta2, float oneMinusBeta2, float stepSize, float correction2Sqrt, float eps) {
    const __m512 vdecay = _mm512_set1_ps(decay), vomb1 = _mm512_set1_ps(oneMinusBeta1);
    const __m512 vb2 = _mm512_set1_ps(beta2), vomb2 = _mm512_set1_ps(oneMinusBeta2);
    const __m512 vstep = _mm512_set1_ps(stepSize), vc2 = _mm512_set1_ps(correction2Sqrt), veps = _mm512_set1_ps(eps);
    for (long i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512 gi = _mm512_maskz_loadu_ps(k, g + i), mi = _mm512_maskz_loadu_ps(k, m + i);
        __m512 vi = _mm512_maskz_loadu_ps(k, v + i), wi = _mm512_maskz_loadu_ps(k, w + i);
        /* m + (1 - b1)(g - m);  b2 v + ((1 - b2) g) g */
        mi = _mm512_add_ps(mi, _mm512_mul_ps(vomb1, _mm512_sub_ps(gi, mi)));
        vi = _mm512_add_ps(_mm512_mul_ps(vb2, vi), _mm512_mul_ps(_mm512_mul_ps(vomb2, gi), gi));
        /* w decay - (step m) / (sqrt(v) / c2 + eps) */
        __m512 denom = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vi), vc2), veps);
        wi = _mm512_sub_ps(_mm512_mul_ps(wi, vdecay), _mm512_div_ps(_mm512_mul_ps(vstep, mi), denom));
        _mm512_mask_storeu_ps(m + i, k, mi);
        _mm512_mask_storeu_ps(v + i, k, vi);
        _mm512_mask_storeu_ps(w + i, k, wi);
    }
}

#else
void ck_adamw_step_avx512(float *w, const float *g, float *m, float *v, long n, float decay, float oneMinusBeta1,
                          float beta2, float oneMinusBeta2, float stepSize, float correction2Sqrt, float eps) {
    (void)w; (void)g; (void)m; (void)v; (void)n; (void)decay; (void)oneMinusBeta1; (void)beta2;
    (void)oneMinusBeta2; (void)stepSize; (void)correction2Sqrt; (void)eps;
}
#endif
