/* LoRA's rank-r products written once in lanes (lowrank_lanes.h), compiled here at 16 lanes for AVX-512F
   (ck_lowrank_*_avx512) and at 8 for AVX2 + FMA (ck_lowrank_*_avx2). */

#include "lowrank_kernels.h"

#if defined(__x86_64__)
#include "vector_lanes.h"

#define CK_W 16
#include "lowrank_lanes.h"
#undef CK_W

#define CK_W 8
#include "lowrank_lanes.h"
#undef CK_W

#else
/* Elsewhere the Swift side never calls these (it uses BLAS); they exist so that the package links. */
#define CK_LOWRANK_STUBS(isa)                                                                                 \
    void ck_lowrank_project_##isa(const float *in, long ld_in, const float *m, long k, long r, float alpha,  \
                                  float *out, long rows) {                                                    \
        (void)in; (void)ld_in; (void)m; (void)k; (void)r; (void)alpha; (void)out; (void)rows;                 \
    }                                                                                                         \
    void ck_lowrank_reduce_##isa(const float *in, long ld_in, const float *v, long rows, long r, float alpha, \
                                 float beta, float *out, long k) {                                            \
        (void)in; (void)ld_in; (void)v; (void)rows; (void)r; (void)alpha; (void)beta; (void)out; (void)k;     \
    }                                                                                                         \
    void ck_lowrank_expand_##isa(const float *base, const float *p, const float *q, long r, float alpha,     \
                                 float *out, long rows, long n) {                                             \
        (void)base; (void)p; (void)q; (void)r; (void)alpha; (void)out; (void)rows; (void)n;                   \
    }
CK_LOWRANK_STUBS(avx512)
CK_LOWRANK_STUBS(avx2)
#endif
