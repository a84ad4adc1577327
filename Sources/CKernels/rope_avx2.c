/* RoPE rows of rope_avx512.c in ymm registers (AVX2 + FMA). */

#include "ckernels.h"

#if defined(__x86_64__)
#include "vector_exp.h"

__attribute__((target("avx2,fma")))
void ck_rope_row_avx2(const float *x, float *y, const float *cos, const float *sin, long heads, long headDim, float sign) {
    const long half = headDim / 2;
    const __m256 vsign = _mm256_set1_ps(sign);
    for (long i = 0; i < half; i += 8) {
        __m256i k = ck_tail8(half - i);
        __m256 c = ck_load8(cos + i, k, half - i), s = _mm256_mul_ps(vsign, ck_load8(sin + i, k, half - i));
        for (long h = 0; h < heads; h++) {
            const float *a = x + h * headDim;
            float *b = y + h * headDim;
            __m256 x1 = ck_load8(a + i, k, half - i), x2 = ck_load8(a + i + half, k, half - i);
            ck_store8(b + i, k, half - i, _mm256_fmsub_ps(x1, c, _mm256_mul_ps(x2, s)));
            ck_store8(b + i + half, k, half - i, _mm256_fmadd_ps(x2, c, _mm256_mul_ps(x1, s)));
        }
    }
}

#else
void ck_rope_row_avx2(const float *x, float *y, const float *cos, const float *sin, long heads, long headDim, float sign) {
    (void)x; (void)y; (void)cos; (void)sin; (void)heads; (void)headDim; (void)sign;
}
#endif
