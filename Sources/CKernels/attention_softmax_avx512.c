/* The softmax inner loops of the fused attention kernels (CausalAttentionKernel, GroupedQueryAttentionKernel),
   in zmm registers: a causal score row is softmaxed in place over its first `keys` entries (the keys the query
   may see) and zeroed up to `width` (into another row or in place); with segment ids, hidden keys get
   probability 0; backward, one row of dP becomes dS = P * (dP - <P, dP>) * scale (in place in the kernels). Rows are short (T <= a few hundred) and of every length,
   so tails use masked loads and stores rather than a scalar loop. One row per call: the Swift side already
   runs one (batch, head) pair per core. */

#include "ckernels.h"

#if defined(__x86_64__)
#include "vector_exp.h"

#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)

static inline void zero_tail(float *row, long from, long to) {
    for (long j = from; j < to; j += 16) _mm512_mask_storeu_ps(row + j, ck_tail16(to - j), _mm512_setzero_ps());
}

void ck_causal_softmax_row_avx512(const float *x, float *y, long keys, long width) {
    const __m512 ninf = _mm512_set1_ps(-__builtin_inff());
    __m512 vmax = ninf;
    for (long j = 0; j < keys; j += 16)
        vmax = _mm512_max_ps(vmax, _mm512_mask_loadu_ps(ninf, ck_tail16(keys - j), x + j));
    const __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
    __m512 sum = _mm512_setzero_ps();
    for (long j = 0; j < keys; j += 16) {
        __mmask16 k = ck_tail16(keys - j);
        __m512 e = _mm512_maskz_mov_ps(k, ck_exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + j), m)));
        sum = _mm512_add_ps(sum, e);
        _mm512_mask_storeu_ps(y + j, k, e);
    }
    const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
    for (long j = 0; j < keys; j += 16) {
        __mmask16 k = ck_tail16(keys - j);
        _mm512_mask_storeu_ps(y + j, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, y + j), inv));
    }
    zero_tail(y, keys, width);
}

/* Lanes of keys j..j+15 that query segment `own` sees: segment 0 (the shared prompt) or its own. */
static inline __mmask16 seen_lanes(const int *seen, long j, __mmask16 k, __m512i own) {
    __m512i s = _mm512_maskz_loadu_epi32(k, seen + j);
    return _mm512_mask_cmpeq_epi32_mask(k, s, _mm512_setzero_si512()) | _mm512_mask_cmpeq_epi32_mask(k, s, own);
}

void ck_segment_softmax_row_avx512(float *row, long keys, long width, const int *seen, int own) {
    const __m512 ninf = _mm512_set1_ps(-__builtin_inff());
    const __m512i vown = _mm512_set1_epi32(own);
    __m512 vmax = ninf;
    for (long j = 0; j < keys; j += 16) {
        __mmask16 k = seen_lanes(seen, j, ck_tail16(keys - j), vown);
        vmax = _mm512_max_ps(vmax, _mm512_mask_loadu_ps(ninf, k, row + j));
    }
    const __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
    __m512 sum = _mm512_setzero_ps();
    for (long j = 0; j < keys; j += 16) {
        __mmask16 k = seen_lanes(seen, j, ck_tail16(keys - j), vown);
        __m512 e = _mm512_maskz_mov_ps(k, ck_exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, row + j), m)));
        sum = _mm512_add_ps(sum, e);
        _mm512_mask_storeu_ps(row + j, ck_tail16(keys - j), e);
    }
    const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
    for (long j = 0; j < keys; j += 16) {
        __mmask16 k = ck_tail16(keys - j);
        _mm512_mask_storeu_ps(row + j, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, row + j), inv));
    }
    zero_tail(row, keys, width);
}

void ck_attention_softmax_backward_row_avx512(const float *p, const float *dp, float *ds, long keys, long width,
                                              float scale) {
    __m512 acc = _mm512_setzero_ps();
    for (long j = 0; j < keys; j += 16) {
        __mmask16 k = ck_tail16(keys - j);
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, p + j), _mm512_maskz_loadu_ps(k, dp + j), acc);
    }
    const __m512 dot = _mm512_set1_ps(_mm512_reduce_add_ps(acc)), vs = _mm512_set1_ps(scale);
    for (long j = 0; j < keys; j += 16) {
        __mmask16 k = ck_tail16(keys - j);
        __m512 pv = _mm512_maskz_loadu_ps(k, p + j), dv = _mm512_maskz_loadu_ps(k, dp + j);
        _mm512_mask_storeu_ps(ds + j, k, _mm512_mul_ps(_mm512_mul_ps(pv, _mm512_sub_ps(dv, dot)), vs));
    }
    zero_tail(ds, keys, width);
}

#pragma clang attribute pop

#else
void ck_causal_softmax_row_avx512(const float *x, float *y, long keys, long width) { (void)x; (void)y; (void)keys; (void)width; }
void ck_segment_softmax_row_avx512(float *row, long keys, long width, const int *seen, int own) {
    (void)row; (void)keys; (void)width; (void)seen; (void)own;
}
void ck_attention_softmax_backward_row_avx512(const float *p, const float *dp, float *ds, long keys, long width,
                                              float scale) {
    (void)p; (void)dp; (void)ds; (void)keys; (void)width; (void)scale;
}
#endif
