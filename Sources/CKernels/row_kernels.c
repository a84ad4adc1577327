/* The row kernels written once in lanes (vector_lanes.h), compiled here twice: at 16 lanes for AVX-512F
   (ck_*_avx512) and at 8 for AVX2 + FMA (ck_*_avx2). The Swift side picks one at run time by CPU feature
   (VectorKernels, TINYALIGN_ROW_KERNELS). Each kernel's file says what it computes:
   rmsnorm_lanes.h, swiglu_lanes.h, rope_lanes.h, attention_softmax_lanes.h, exp_buffer_lanes.h, column_sums_lanes.h, gelu_lanes.h; the exp they share
   is vector_exp.h. */

#include "ckernels.h"

#if defined(__x86_64__)
#include "vector_exp.h"

#define CK_W 16
#include "exp_buffer_lanes.h"
#include "rmsnorm_lanes.h"
#include "swiglu_lanes.h"
#include "rope_lanes.h"
#include "attention_softmax_lanes.h"
#include "column_sums_lanes.h"
#include "gelu_lanes.h"
#undef CK_W

#define CK_W 8
#include "exp_buffer_lanes.h"
#include "rmsnorm_lanes.h"
#include "swiglu_lanes.h"
#include "rope_lanes.h"
#include "attention_softmax_lanes.h"
#include "column_sums_lanes.h"
#include "gelu_lanes.h"
#undef CK_W

#else
/* Elsewhere the Swift side never calls these (no AVX); they exist so that the package links. */
#define CK_ROW_KERNEL_STUBS(isa)                                                                              \
    void ck_exp_##isa(const float *x, float *y, long n) { (void)x; (void)y; (void)n; }                        \
    float ck_rmsnorm_forward_row_##isa(const float *x, const float *w, float offset, float eps, float *y,     \
                                       long c) {                                                              \
        (void)x; (void)w; (void)offset; (void)eps; (void)y; (void)c; return 0;                                \
    }                                                                                                         \
    void ck_rmsnorm_backward_row_##isa(const float *dy, const float *x, const float *w, float offset,         \
                                       float rstd, float *dx, float *dw, long c) {                            \
        (void)dy; (void)x; (void)w; (void)offset; (void)rstd; (void)dx; (void)dw; (void)c;                    \
    }                                                                                                         \
    void ck_swiglu_forward_##isa(const float *gate, const float *up, float *out, long n) {                   \
        (void)gate; (void)up; (void)out; (void)n;                                                             \
    }                                                                                                         \
    void ck_swiglu_backward_##isa(const float *dy, const float *gate, const float *up, float *dgate,         \
                                  float *dup, long n) {                                                       \
        (void)dy; (void)gate; (void)up; (void)dgate; (void)dup; (void)n;                                      \
    }                                                                                                         \
    void ck_rope_row_##isa(const float *x, float *y, const float *cos, const float *sin, long heads,          \
                           long headDim, float sign) {                                                        \
        (void)x; (void)y; (void)cos; (void)sin; (void)heads; (void)headDim; (void)sign;                       \
    }                                                                                                         \
    void ck_causal_softmax_row_##isa(const float *x, float *y, long keys, long width) {                      \
        (void)x; (void)y; (void)keys; (void)width;                                                            \
    }                                                                                                         \
    void ck_segment_softmax_row_##isa(float *row, long keys, long width, const int *seen, int own) {         \
        (void)row; (void)keys; (void)width; (void)seen; (void)own;                                            \
    }                                                                                                         \
    void ck_attention_softmax_backward_row_##isa(const float *p, const float *dp, float *ds, long keys,      \
                                                 long width, float scale) {                                   \
        (void)p; (void)dp; (void)ds; (void)keys; (void)width; (void)scale;                                    \
    }                                                                                                         \
    void ck_column_sums_##isa(const float *m, long rows, long ld, long n, float *out) {                      \
        (void)m; (void)rows; (void)ld; (void)n; (void)out;                                                    \
    }                                                                                                         \
    void ck_gelu_forward_##isa(const float *x, float *y, long n) { (void)x; (void)y; (void)n; }              \
    void ck_gelu_backward_##isa(const float *x, const float *dy, float *dx, long n) {                        \
        (void)x; (void)dy; (void)dx; (void)n;                                                                 \
    }
CK_ROW_KERNEL_STUBS(avx512)
CK_ROW_KERNEL_STUBS(avx2)
#endif
