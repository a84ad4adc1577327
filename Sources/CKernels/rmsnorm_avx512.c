/* RMSNorm rows, forward and backward, in zmm registers (the Llama family's norm; the Swift loops compile to
   4-wide SSE). One row per call; the Swift side splits rows over the cores and owns the dweight partials. */

#include "ckernels.h"

#if defined(__x86_64__)
#include "vector_exp.h"

#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)

float ck_rmsnorm_forward_row_avx512(const float *x, const float *w, float offset, float eps, float *y, long c) {
    __m512 acc = _mm512_setzero_ps();
    for (long j = 0; j < c; j += 16) {
        __m512 v = _mm512_maskz_loadu_ps(ck_tail16(c - j), x + j);
        acc = _mm512_fmadd_ps(v, v, acc);
    }
    float rstd = 1.0f / __builtin_sqrtf(_mm512_reduce_add_ps(acc) / (float)c + eps);
    const __m512 vr = _mm512_set1_ps(rstd), vo = _mm512_set1_ps(offset);
    for (long j = 0; j < c; j += 16) {
        __mmask16 k = ck_tail16(c - j);
        __m512 v = _mm512_maskz_loadu_ps(k, x + j), wv = _mm512_add_ps(_mm512_maskz_loadu_ps(k, w + j), vo);
        _mm512_mask_storeu_ps(y + j, k, _mm512_mul_ps(_mm512_mul_ps(v, vr), wv));
    }
    return rstd;
}

void ck_rmsnorm_backward_row_avx512(const float *dy, const float *x, const float *w, float offset, float rstd,
                                    float *dx, float *dw, long c) {
    const __m512 vs = _mm512_set1_ps(rstd), vo = _mm512_set1_ps(offset);
    __m512 acc = _mm512_setzero_ps();
    /* first pass: sum of (w dy) n with n = x rstd, and dweight += dy n */
    for (long j = 0; j < c; j += 16) {
        __mmask16 k = ck_tail16(c - j);
        __m512 g = _mm512_maskz_loadu_ps(k, dy + j), n = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + j), vs);
        __m512 wv = _mm512_add_ps(_mm512_maskz_loadu_ps(k, w + j), vo);
        acc = _mm512_fmadd_ps(_mm512_mul_ps(wv, g), n, acc);
        _mm512_mask_storeu_ps(dw + j, k, _mm512_fmadd_ps(g, n, _mm512_maskz_loadu_ps(k, dw + j)));
    }
    const __m512 mean = _mm512_set1_ps(_mm512_reduce_add_ps(acc) / (float)c);
    /* dx = rstd ((w dy) - n mean) */
    for (long j = 0; j < c; j += 16) {
        __mmask16 k = ck_tail16(c - j);
        __m512 g = _mm512_maskz_loadu_ps(k, dy + j), n = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + j), vs);
        __m512 wv = _mm512_add_ps(_mm512_maskz_loadu_ps(k, w + j), vo);
        _mm512_mask_storeu_ps(dx + j, k, _mm512_mul_ps(vs, _mm512_fnmadd_ps(n, mean, _mm512_mul_ps(wv, g))));
    }
}

#pragma clang attribute pop

#else
float ck_rmsnorm_forward_row_avx512(const float *x, const float *w, float offset, float eps, float *y, long c) {
    (void)x; (void)w; (void)offset; (void)eps; (void)y; (void)c; return 0;
}
void ck_rmsnorm_backward_row_avx512(const float *dy, const float *x, const float *w, float offset, float rstd,
                                    float *dx, float *dw, long c) {
    (void)dy; (void)x; (void)w; (void)offset; (void)rstd; (void)dx; (void)dw; (void)c;
}
#endif
