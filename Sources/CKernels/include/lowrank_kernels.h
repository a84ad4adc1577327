#ifndef CK_LOWRANK_KERNELS_H
#define CK_LOWRANK_KERNELS_H

/* The three products of a LoRA layer's rank-r side (r the adapter's rank, 1 to a few hundred), with r as the
   vector lanes: every one streams its big operand (an activation or a weight) through once while the rank-r
   one stays in cache. As general SGEMMs these have M or N = r, which a packed GEMM spends on packing the big
   operand (lowrank_lanes.h says more). Each exists as _avx512 (16 lanes) and _avx2 (8 lanes + FMA); the Swift
   side (LowRankKernel) picks one by CPU feature and splits the rows over the cores. All matrices row-major. */

/// out (rows, r) = alpha · in (rows, k; row stride ld_in) · m (k, r).
void ck_lowrank_project_avx512(const float *in, long ld_in, const float *m, long k, long r, float alpha, float *out, long rows);
/// out (k, r) = alpha · inᵀ · v + beta · out, for in (rows, k; row stride ld_in), v (rows, r); out has row stride r.
/// With beta = 0, out is not read.
void ck_lowrank_reduce_avx512(const float *in, long ld_in, const float *v, long rows, long r, float alpha, float beta,
                              float *out, long k);
/// out (rows, n) = base + alpha · p (rows, r) · q (r, n), base (rows, n) or NULL for zero; base may be out.
void ck_lowrank_expand_avx512(const float *base, const float *p, const float *q, long r, float alpha, float *out,
                              long rows, long n);

/// See ck_lowrank_project_avx512.
void ck_lowrank_project_avx2(const float *in, long ld_in, const float *m, long k, long r, float alpha, float *out, long rows);
/// See ck_lowrank_reduce_avx512.
void ck_lowrank_reduce_avx2(const float *in, long ld_in, const float *v, long rows, long r, float alpha, float beta,
                            float *out, long k);
/// See ck_lowrank_expand_avx512.
void ck_lowrank_expand_avx2(const float *base, const float *p, const float *q, long r, float alpha, float *out,
                            long rows, long n);

#endif
