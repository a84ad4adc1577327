#include "ckernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <string.h>
#include "vector_exp.h"

int ck_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

#define GELU_SLOPE 0.7978845608028654f
#define GELU_CUBIC 0.044715f

/* s = sigmoid(2u) = 1 / (1 + e^(-2u)). */
__attribute__((target("avx2,fma"))) static inline __m256 sigmoid_2u(__m256 x, __m256 x2) {
    __m256 inner = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(GELU_CUBIC), x2), x, x);
    __m256 e = ck_exp8(_mm256_mul_ps(_mm256_set1_ps(-2.0f * GELU_SLOPE), inner));
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
