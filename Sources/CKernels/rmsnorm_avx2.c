/* RMSNorm rows of rmsnorm_avx512.c in ymm registers (AVX2 + FMA). */

#include "ckernels.h"

#if defined(__x86_64__)
#include "vector_exp.h"

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

float ck_rmsnorm_forward_row_avx2(const float *x, const float *w, float offset, float eps, float *y, long c) {
    __m256 acc = _mm256_setzero_ps();
    for (long j = 0; j < c; j += 8) {
        __m256 v = ck_load8(x + j, ck_tail8(c - j), c - j);
        acc = _mm256_fmadd_ps(v, v, acc);
    }
    float rstd = 1.0f / __builtin_sqrtf(ck_hsum8(acc) / (float)c + eps);
    const __m256 vr = _mm256_set1_ps(rstd), vo = _mm256_set1_ps(offset);
    for (long j = 0; j < c; j += 8) {
        __m256i k = ck_tail8(c - j);
        __m256 v = ck_load8(x + j, k, c - j), wv = _mm256_add_ps(ck_load8(w + j, k, c - j), vo);
        ck_store8(y + j, k, c - j, _mm256_mul_ps(_mm256_mul_ps(v, vr), wv));
    }
    return rstd;
}

void ck_rmsnorm_backward_row_avx2(const float *dy, const float *x, const float *w, float offset, float rstd,
                                  float *dx, float *dw, long c) {
    const __m256 vs = _mm256_set1_ps(rstd), vo = _mm256_set1_ps(offset);
    __m256 acc = _mm256_setzero_ps();
    for (long j = 0; j < c; j += 8) {
        __m256i k = ck_tail8(c - j);
        __m256 g = ck_load8(dy + j, k, c - j), n = _mm256_mul_ps(ck_load8(x + j, k, c - j), vs);
        __m256 wv = _mm256_add_ps(ck_load8(w + j, k, c - j), vo);
        acc = _mm256_fmadd_ps(_mm256_mul_ps(wv, g), n, acc);
        ck_store8(dw + j, k, c - j, _mm256_fmadd_ps(g, n, ck_load8(dw + j, k, c - j)));
    }
    const __m256 mean = _mm256_set1_ps(ck_hsum8(acc) / (float)c);
    for (long j = 0; j < c; j += 8) {
        __m256i k = ck_tail8(c - j);
        __m256 g = ck_load8(dy + j, k, c - j), n = _mm256_mul_ps(ck_load8(x + j, k, c - j), vs);
        __m256 wv = _mm256_add_ps(ck_load8(w + j, k, c - j), vo);
        ck_store8(dx + j, k, c - j, _mm256_mul_ps(vs, _mm256_fnmadd_ps(n, mean, _mm256_mul_ps(wv, g))));
    }
}

#pragma clang attribute pop

#else
float ck_rmsnorm_forward_row_avx2(const float *x, const float *w, float offset, float eps, float *y, long c) {
    (void)x; (void)w; (void)offset; (void)eps; (void)y; (void)c; return 0;
}
void ck_rmsnorm_backward_row_avx2(const float *dy, const float *x, const float *w, float offset, float rstd,
                                  float *dx, float *dw, long c) {
    (void)dy; (void)x; (void)w; (void)offset; (void)rstd; (void)dx; (void)dw; (void)c;
}
#endif
