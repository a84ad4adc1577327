/* Lanes: the vector operations the bandwidth kernels are written in, once for 16 lanes (zmm registers, AVX-512F)
   and once for 8 (ymm registers, AVX2 + FMA), under one set of names ending in the lane count: ck_add16 and
   ck_add8, ck_load16 and ck_load8, ... (internal header, not part of ckernels.h).

   A kernel written with the width-free spellings below (VF, VM, V(add), CK_W, CK_TARGET, CK_KERNEL(name)) is
   compiled for both widths by including it twice, with CK_W defined as 16 and then 8 (row_kernels.c,
   vector_exp.h): one algorithm in one file, two instruction sets. Each width computes what its own hand-written
   loop did, operation for operation, so results do not depend on this sharing.

   Masks differ between the two: AVX-512 has mask registers (__mmask16), AVX2 a vector whose set lanes are all
   ones (__m256i) for maskload/maskstore, which cost extra even with every lane set, so an AVX2 chunk that is
   whole is loaded and stored plainly. ck_load / ck_store take the mask of a row's tail (ck_tail) and the lanes
   left in the row; ck_load_or takes any mask (lanes hidden inside the row as well). */

#ifndef CK_VECTOR_LANES_H
#define CK_VECTOR_LANES_H

#if defined(__x86_64__)
#include <immintrin.h>

#define CK_PASTE_(a, b) a##b
#define CK_PASTE(a, b) CK_PASTE_(a, b)

/* The width-free spellings, for the CK_W a kernel is being compiled at. */
#define VF CK_PASTE(ck_f, CK_W)                     /* a vector of floats */
#define VM CK_PASTE(ck_m, CK_W)                     /* a lane mask */
#define V(op) CK_PASTE(ck_##op, CK_W)               /* V(add) is ck_add16 or ck_add8 */
#define CK_TARGET CK_PASTE(CK_TARGET, CK_W)         /* the target attribute of a kernel function */
#define CK_INLINE CK_PASTE(CK_INLINE, CK_W)         /* ... of a helper inlined into it */
#define CK_KERNEL(name) CK_PASTE(name##_, CK_PASTE(CK_ISA, CK_W)) /* ck_x_avx512 or ck_x_avx2 */
#define CK_LOCAL(name) CK_PASTE(name, CK_W)         /* a helper's name, one per width */

#define CK_ISA16 avx512
#define CK_ISA8 avx2
#define CK_TARGET16 __attribute__((target("avx512f")))
#define CK_TARGET8 __attribute__((target("avx2,fma")))
#define CK_INLINE16 __attribute__((target("avx512f"), always_inline)) static inline
#define CK_INLINE8 __attribute__((target("avx2,fma"), always_inline)) static inline

/* ---- 16 lanes (AVX-512F) ---- */
typedef __m512 ck_f16;
typedef __mmask16 ck_m16;
#define ck_zero16() _mm512_setzero_ps()
#define ck_splat16(x) _mm512_set1_ps(x)
#define ck_add16(a, b) _mm512_add_ps(a, b)
#define ck_sub16(a, b) _mm512_sub_ps(a, b)
#define ck_mul16(a, b) _mm512_mul_ps(a, b)
#define ck_div16(a, b) _mm512_div_ps(a, b)
#define ck_max16(a, b) _mm512_max_ps(a, b)
#define ck_min16(a, b) _mm512_min_ps(a, b)
#define ck_fmadd16(a, b, c) _mm512_fmadd_ps(a, b, c)   /* a b + c */
#define ck_fnmadd16(a, b, c) _mm512_fnmadd_ps(a, b, c) /* c - a b */
#define ck_fmsub16(a, b, c) _mm512_fmsub_ps(a, b, c)   /* a b - c */
#define ck_hsum16(v) _mm512_reduce_add_ps(v)
#define ck_hmax16(v) _mm512_reduce_max_ps(v)

/* Lanes [0, left) of a 16-lane tail (all 16 when left >= 16). */
static inline __mmask16 ck_tail16(long left) {
    return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
}
CK_INLINE16 __m512 ck_load16(const float *p, __mmask16 k, long left) { (void)left; return _mm512_maskz_loadu_ps(k, p); }
CK_INLINE16 void ck_store16(float *p, __mmask16 k, long left, __m512 v) { (void)left; _mm512_mask_storeu_ps(p, k, v); }
CK_INLINE16 __m512 ck_load_or16(__m512 fill, __mmask16 k, const float *p, long left) {
    (void)left;
    return _mm512_mask_loadu_ps(fill, k, p);
}
/* v where k is set, 0 elsewhere. */
CK_INLINE16 __m512 ck_keep16(__mmask16 k, __m512 v) { return _mm512_maskz_mov_ps(k, v); }
/* The lanes of tail k whose segment id seen[j] is 0 (the shared prompt) or `own`. */
CK_INLINE16 __mmask16 ck_seen16(const int *seen, __mmask16 k, int own) {
    __m512i s = _mm512_maskz_loadu_epi32(k, seen);
    return _mm512_mask_cmpeq_epi32_mask(k, s, _mm512_setzero_si512()) |
           _mm512_mask_cmpeq_epi32_mask(k, s, _mm512_set1_epi32(own));
}
/* 2^n for the n that `shifted` = n + 1.5 * 2^23 holds in its low mantissa bits (the vector exp's scale). */
CK_INLINE16 __m512 ck_exponent_scale16(__m512 shifted) {
    __m512i bits = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_set1_epi32(0x4B400000));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(bits, _mm512_set1_epi32(127)), 23));
}
/* value in the lanes where x < bound (x > bound), v elsewhere; false on NaN. */
CK_INLINE16 __m512 ck_where_less16(__m512 x, __m512 bound, __m512 value, __m512 v) {
    return _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(x, bound, _CMP_LT_OQ), value);
}
CK_INLINE16 __m512 ck_where_greater16(__m512 x, __m512 bound, __m512 value, __m512 v) {
    return _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(x, bound, _CMP_GT_OQ), value);
}

/* ---- 8 lanes (AVX2 + FMA) ---- */
typedef __m256 ck_f8;
typedef __m256i ck_m8;
#define ck_zero8() _mm256_setzero_ps()
#define ck_splat8(x) _mm256_set1_ps(x)
#define ck_add8(a, b) _mm256_add_ps(a, b)
#define ck_sub8(a, b) _mm256_sub_ps(a, b)
#define ck_mul8(a, b) _mm256_mul_ps(a, b)
#define ck_div8(a, b) _mm256_div_ps(a, b)
#define ck_max8(a, b) _mm256_max_ps(a, b)
#define ck_min8(a, b) _mm256_min_ps(a, b)
#define ck_fmadd8(a, b, c) _mm256_fmadd_ps(a, b, c)
#define ck_fnmadd8(a, b, c) _mm256_fnmadd_ps(a, b, c)
#define ck_fmsub8(a, b, c) _mm256_fmsub_ps(a, b, c)

/* An AVX2 mask for lanes [0, left) of an 8-lane tail, for _mm256_maskload_ps / _mm256_maskstore_ps. */
CK_INLINE8 __m256i ck_tail8(long left) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(left >= 8 ? 8 : left)), lanes);
}
/* Horizontal sum and maximum of the 8 lanes of a ymm register. */
CK_INLINE8 float ck_hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}
CK_INLINE8 float ck_hmax8(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_max_ss(s, _mm_movehdup_ps(s)));
}
/* An 8-lane chunk with `left` lanes still to go: plain when whole, masked by the tail mask k otherwise. */
CK_INLINE8 __m256 ck_load8(const float *p, __m256i k, long left) {
    return left >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, k);
}
CK_INLINE8 void ck_store8(float *p, __m256i k, long left, __m256 v) {
    if (left >= 8) _mm256_storeu_ps(p, v); else _mm256_maskstore_ps(p, k, v);
}
/* p[0..<8] where mask k is set, `fill` elsewhere (k may hide lanes inside the row). */
CK_INLINE8 __m256 ck_load_or8(__m256 fill, __m256i k, const float *p, long left) {
    __m256 v = left >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, k);
    return _mm256_blendv_ps(fill, v, _mm256_castsi256_ps(k));
}
CK_INLINE8 __m256 ck_keep8(__m256i k, __m256 v) { return _mm256_and_ps(_mm256_castsi256_ps(k), v); }
CK_INLINE8 __m256i ck_seen8(const int *seen, __m256i k, int own) {
    __m256i s = _mm256_maskload_epi32(seen, k);
    __m256i hit = _mm256_or_si256(_mm256_cmpeq_epi32(s, _mm256_setzero_si256()),
                                  _mm256_cmpeq_epi32(s, _mm256_set1_epi32(own)));
    return _mm256_and_si256(k, hit);
}
CK_INLINE8 __m256 ck_exponent_scale8(__m256 shifted) {
    __m256i bits = _mm256_sub_epi32(_mm256_castps_si256(shifted), _mm256_set1_epi32(0x4B400000));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(bits, _mm256_set1_epi32(127)), 23));
}
CK_INLINE8 __m256 ck_where_less8(__m256 x, __m256 bound, __m256 value, __m256 v) {
    return _mm256_blendv_ps(v, value, _mm256_cmp_ps(x, bound, _CMP_LT_OQ));
}
CK_INLINE8 __m256 ck_where_greater8(__m256 x, __m256 bound, __m256 value, __m256 v) {
    return _mm256_blendv_ps(v, value, _mm256_cmp_ps(x, bound, _CMP_GT_OQ));
}

#endif
#endif
