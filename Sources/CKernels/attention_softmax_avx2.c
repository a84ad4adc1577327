/* The attention softmax rows of attention_softmax_avx512.c in ymm registers (AVX2 + FMA), for CPUs without
   AVX-512: the same loops 8 lanes wide, tails through masked loads and stores. */

#include "ckernels.h"

#if defined(__x86_64__)
#include "vector_exp.h"

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

/* x[j..<j+8] where mask k is set, `fill` elsewhere (k may hide lanes inside the row: the segment rule). */
static inline __m256 load_or(__m256 fill, __m256i k, const float *p, long left) {
    __m256 v = left >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, k);
    return _mm256_blendv_ps(fill, v, _mm256_castsi256_ps(k));
}

static inline void zero_tail8(float *row, long from, long to) {
    for (long j = from; j < to; j += 8) ck_store8(row + j, ck_tail8(to - j), to - j, _mm256_setzero_ps());
}

/* Softmax of x[0..<keys] into y under the lane mask `seen(j)` (all lanes for the causal row). */
static inline void softmax_row8(const float *x, float *y, long keys, long width, const int *seen, int own) {
    const __m256 ninf = _mm256_set1_ps(-__builtin_inff());
    const __m256i vown = _mm256_set1_epi32(own), zero = _mm256_setzero_si256();
    __m256 vmax = ninf;
    for (long j = 0; j < keys; j += 8) {
        __m256i k = ck_tail8(keys - j);
        if (seen) {
            __m256i s = _mm256_maskload_epi32(seen + j, k);
            k = _mm256_and_si256(k, _mm256_or_si256(_mm256_cmpeq_epi32(s, zero), _mm256_cmpeq_epi32(s, vown)));
        }
        vmax = _mm256_max_ps(vmax, load_or(ninf, k, x + j, keys - j));
    }
    const __m256 m = _mm256_set1_ps(ck_hmax8(vmax));
    __m256 sum = _mm256_setzero_ps();
    for (long j = 0; j < keys; j += 8) {
        __m256i tail = ck_tail8(keys - j), k = tail;
        if (seen) {
            __m256i s = _mm256_maskload_epi32(seen + j, k);
            k = _mm256_and_si256(k, _mm256_or_si256(_mm256_cmpeq_epi32(s, zero), _mm256_cmpeq_epi32(s, vown)));
        }
        __m256 e = _mm256_and_ps(_mm256_castsi256_ps(k), ck_exp8(_mm256_sub_ps(ck_load8(x + j, tail, keys - j), m)));
        sum = _mm256_add_ps(sum, e);
        ck_store8(y + j, tail, keys - j, e);
    }
    const __m256 inv = _mm256_set1_ps(1.0f / ck_hsum8(sum));
    for (long j = 0; j < keys; j += 8) {
        __m256i k = ck_tail8(keys - j);
        ck_store8(y + j, k, keys - j, _mm256_mul_ps(ck_load8(y + j, k, keys - j), inv));
    }
    zero_tail8(y, keys, width);
}

void ck_causal_softmax_row_avx2(const float *x, float *y, long keys, long width) {
    softmax_row8(x, y, keys, width, 0, 0);
}

void ck_segment_softmax_row_avx2(float *row, long keys, long width, const int *seen, int own) {
    softmax_row8(row, row, keys, width, seen, own);
}

void ck_attention_softmax_backward_row_avx2(const float *p, const float *dp, float *ds, long keys, long width, float scale) {
    __m256 acc = _mm256_setzero_ps();
    for (long j = 0; j < keys; j += 8) {
        __m256i k = ck_tail8(keys - j);
        acc = _mm256_fmadd_ps(ck_load8(p + j, k, keys - j), ck_load8(dp + j, k, keys - j), acc);
    }
    const __m256 dot = _mm256_set1_ps(ck_hsum8(acc)), vs = _mm256_set1_ps(scale);
    for (long j = 0; j < keys; j += 8) {
        __m256i k = ck_tail8(keys - j);
        __m256 pv = ck_load8(p + j, k, keys - j), dv = ck_load8(dp + j, k, keys - j);
        ck_store8(ds + j, k, keys - j, _mm256_mul_ps(_mm256_mul_ps(pv, _mm256_sub_ps(dv, dot)), vs));
    }
    zero_tail8(ds, keys, width);
}

#pragma clang attribute pop

#else
void ck_causal_softmax_row_avx2(const float *x, float *y, long keys, long width) { (void)x; (void)y; (void)keys; (void)width; }
void ck_segment_softmax_row_avx2(float *row, long keys, long width, const int *seen, int own) {
    (void)row; (void)keys; (void)width; (void)seen; (void)own;
}
void ck_attention_softmax_backward_row_avx2(const float *p, const float *dp, float *ds, long keys, long width, float scale) {
    (void)p; (void)dp; (void)ds; (void)keys; (void)width; (void)scale;
}
#endif
