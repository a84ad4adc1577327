/* Rotary position embedding (rotate-half) of one row of H heads in zmm registers: y1 = x1 cos - x2 sin,
   y2 = x2 cos + x1 sin per pair, sin negated (sign = -1) for the backward. The Swift loop compiles to 4-wide SSE. */

#include "ckernels.h"

#if defined(__x86_64__)
#include "vector_exp.h"

__attribute__((target("avx512f")))
void ck_rope_row_avx512(const float *x, float *y, const float *cos, const float *sin, long heads, long headDim,
                        float sign) {
    const long half = headDim / 2;
    const __m512 vsign = _mm512_set1_ps(sign);
    for (long i = 0; i < half; i += 16) {
        __mmask16 k = ck_tail16(half - i);
        __m512 c = _mm512_maskz_loadu_ps(k, cos + i), s = _mm512_mul_ps(vsign, _mm512_maskz_loadu_ps(k, sin + i));
        for (long h = 0; h < heads; h++) {
            const float *a = x + h * headDim;
            float *b = y + h * headDim;
            __m512 x1 = _mm512_maskz_loadu_ps(k, a + i), x2 = _mm512_maskz_loadu_ps(k, a + i + half);
            _mm512_mask_storeu_ps(b + i, k, _mm512_fmsub_ps(x1, c, _mm512_mul_ps(x2, s)));
            _mm512_mask_storeu_ps(b + i + half, k, _mm512_fmadd_ps(x2, c, _mm512_mul_ps(x1, s)));
        }
    }
}

#else
void ck_rope_row_avx512(const float *x, float *y, const float *cos, const float *sin, long heads, long headDim,
                        float sign) {
    (void)x; (void)y; (void)cos; (void)sin; (void)heads; (void)headDim; (void)sign;
}
#endif
