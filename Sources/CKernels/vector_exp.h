/* The vectorised e^x every bandwidth kernel shares (internal header, not part of ckernels.h), in zmm (16 lanes)
   and ymm (8 lanes) registers: x = n ln2 + r with |r| <= ln2/2 (ln2 split in two constants, so r is exact to
   float rounding), e^r by its degree-6 Taylor polynomial in Horner form with fused multiply-adds, 2^n built in
   the exponent bits. The same arithmetic as the Swift FusedMath.exp, so all three agree to an ulp or two; worst
   relative error against libm's double exp over [-87, 88]: below 3 ulp (2^-23 ~ 1.2e-7 each), tested in
   VectorExpTests. Exact 0 below -87.5, +inf above 88.3, NaN stays NaN (max/min
   return their second operand, x, on NaN). */

#ifndef CK_VECTOR_EXP_H
#define CK_VECTOR_EXP_H

#if defined(__x86_64__)
#include <immintrin.h>

#define CK_EXP_LO (-87.5f)
#define CK_EXP_HI 88.3f

__attribute__((target("avx512f"), always_inline)) static inline __m512 ck_exp16(__m512 x) {
    const __m512 lo = _mm512_set1_ps(CK_EXP_LO), hi = _mm512_set1_ps(CK_EXP_HI);
    const __m512 magic = _mm512_set1_ps(12582912.0f); /* 1.5 * 2^23: adding it rounds to an integer */
    __m512 c = _mm512_min_ps(hi, _mm512_max_ps(lo, x));
    __m512 shifted = _mm512_fmadd_ps(c, _mm512_set1_ps(1.442695041f), magic);
    __m512 n = _mm512_sub_ps(shifted, magic);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), c);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.0f / 720);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    __m512i bits = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_set1_epi32(0x4B400000));
    __m512 scale = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(bits, _mm512_set1_epi32(127)), 23));
    __m512 e = _mm512_mul_ps(p, scale);
    e = _mm512_mask_mov_ps(e, _mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ), _mm512_setzero_ps());
    return _mm512_mask_mov_ps(e, _mm512_cmp_ps_mask(x, hi, _CMP_GT_OQ), _mm512_set1_ps(__builtin_inff()));
}

__attribute__((target("avx2,fma"), always_inline)) static inline __m256 ck_exp8(__m256 x) {
    const __m256 lo = _mm256_set1_ps(CK_EXP_LO), hi = _mm256_set1_ps(CK_EXP_HI);
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

/* Lanes [0, left) of a 16-lane tail (all 16 when left >= 16). */
static inline __mmask16 ck_tail16(long left) {
    return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
}

/* An AVX2 mask for lanes [0, left) of an 8-lane tail, for _mm256_maskload_ps / _mm256_maskstore_ps. */
__attribute__((target("avx2"), always_inline)) static inline __m256i ck_tail8(long left) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(left >= 8 ? 8 : left)), lanes);
}

/* Horizontal sum and maximum of the 8 lanes of a ymm register. */
__attribute__((target("avx2"), always_inline)) static inline float ck_hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

__attribute__((target("avx2"), always_inline)) static inline float ck_hmax8(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_max_ss(s, _mm_movehdup_ps(s)));
}

/* Loads and stores of an 8-lane chunk with `left` lanes still to go: plain when the chunk is whole (AVX2's masked
   moves cost extra even with every lane set), masked by k (ck_tail8(left)) on the row's tail. */
__attribute__((target("avx2"), always_inline)) static inline __m256 ck_load8(const float *p, __m256i k, long left) {
    return left >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, k);
}

__attribute__((target("avx2"), always_inline)) static inline void ck_store8(float *p, __m256i k, long left, __m256 v) {
    if (left >= 8) _mm256_storeu_ps(p, v); else _mm256_maskstore_ps(p, k, v);
}

#endif
#endif
