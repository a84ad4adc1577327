#include "ckernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <string.h>

int ck_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/* e^x as in the Swift FusedMath.exp: x = n ln2 + r, e^r by a degree-6 Taylor polynomial, 2^n in the exponent
   bits; exact 0 below -87.5, +inf above 88.3, NaN kept (max/min return their second operand on NaN). */
__attribute__((target("avx2,fma"))) static inline __m256 exp8(__m256 x) {
    const __m256 lo = _mm256_set1_ps(-87.5f), hi = _mm256_set1_ps(88.3f);
    const __m256 magic = _mm256_set1_ps(12582912.0f);
    __m256 c = _mm256_min_ps(hi, _mm256_max_ps(lo, x));
    __m256 shifted = _mm256_fmadd_ps(c, _mm256_set1_ps(1.442695041f), magic);
    __m256 n = _mm256_sub_ps(shifted, magic);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), c);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.0f / 720);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i bits = _mm256_sub_epi32(_mm256_castps_si256(shifted), _mm256_set1_epi32(0x4B400000));
    __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(bits, _mm256_set1_epi32(127)), 23));
    __m256 e = _mm256_mul_ps(p, scale);
    e = _mm256_blendv_ps(e, _mm256_setzero_ps(), _mm256_cmp_ps(x, lo, _CMP_LT_OQ));
    return _mm256_blendv_ps(e, _mm256_set1_ps(__builtin_inff()), _mm256_cmp_ps(x, hi, _CMP_GT_OQ));
}

#define GELU_SLOPE 0.7978845608028654f
#define GELU_CUBIC 0.044715f

/* s = sigmoid(2u) = 1 / (1 + e^(-2u)). */
__attribute__((target("avx2,fma"))) static inline __m256 sigmoid_2u(__m256 x, __m256 x2) {
    __m256 inner = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(GELU_CUBIC), x2), x, x);
    __m256 e = exp8(_mm256_mul_ps(_mm256_set1_ps(-2.0f * GELU_SLOPE), inner));
    return _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

__attribute__((target("avx2,fma"))) static inline __m256 gelu8(__m256 x) {
    return _mm256_mul_ps(x, sigmoid_2u(x, _mm256_mul_ps(x, x)));
}

/* dx = dy * (s + 2 x s (1 - s) u'), u' = sqrt(2/pi) (1 + 3 * 0.044715 x^2). */
__attribute__((target("avx2,fma"))) static inline __m256 gelu_grad8(__m256 x, __m256 g) {
    __m256 x2 = _mm256_mul_ps(x, x);
    __m256 s = sigmoid_2u(x, x2);
    __m256 du = _mm256_mul_ps(_mm256_set1_ps(GELU_SLOPE),
                              _mm256_fmadd_ps(_mm256_set1_ps(3.0f * GELU_CUBIC), x2, _mm256_set1_ps(1.0f)));
    __m256 twoXS = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(2.0f), x), s);
    __m256 slope = _mm256_fmadd_ps(_mm256_mul_ps(twoXS, _mm256_sub_ps(_mm256_set1_ps(1.0f), s)), du, s);
    return _mm256_mul_ps(g, slope);
}

__attribute__((target("avx2,fma"))) void ck_gelu_forward_avx2(const float *x, float *y, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, gelu8(_mm256_loadu_ps(x + i)));
    if (i < n) { /* the last < 8 elements go through a zero-padded copy, so they get the same math */
        float in[8] = {0}, out[8];
        memcpy(in, x + i, (size_t)(n - i) * sizeof(float));
        _mm256_storeu_ps(out, gelu8(_mm256_loadu_ps(in)));
        memcpy(y + i, out, (size_t)(n - i) * sizeof(float));
    }
}

__attribute__((target("avx2,fma"))) void ck_gelu_backward_avx2(const float *x, const float *dy, float *dx, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dx + i, gelu_grad8(_mm256_loadu_ps(x + i), _mm256_loadu_ps(dy + i)));
    if (i < n) {
        float in[8] = {0}, g[8] = {0}, out[8];
        memcpy(in, x + i, (size_t)(n - i) * sizeof(float));
        memcpy(g, dy + i, (size_t)(n - i) * sizeof(float));
        _mm256_storeu_ps(out, gelu_grad8(_mm256_loadu_ps(in), _mm256_loadu_ps(g)));
        memcpy(dx + i, out, (size_t)(n - i) * sizeof(float));
    }
}

#else
/* Not x86: never report AVX2, so these are never called. */
int ck_has_avx2_fma(void) { return 0; }
void ck_gelu_forward_avx2(const float *x, float *y, long n) { (void)x; (void)y; (void)n; }
void ck_gelu_backward_avx2(const float *x, const float *dy, float *dx, long n) { (void)x; (void)dy; (void)dx; (void)n; }
#endif
