#ifndef CKERNELS_H
#define CKERNELS_H

/* LoRA's rank-r products have their own header; included here so that every build that imports CKernels sees
   them (a header new to the umbrella directory is missed by a module cache built before it). */
#include "lowrank_kernels.h"

/// Hot elementwise kernels in wider vectors than Swift's baseline x86-64 build can use. Each `_avx2` function
/// must only be called when `ck_has_avx2_fma()` is non-zero; the Swift kernels are the portable fallback.

/// Non-zero when this CPU runs AVX2 and FMA instructions.
int ck_has_avx2_fma(void);

/// GELU, tanh form, written as y = x * sigmoid(2u), u = sqrt(2/pi) * (x + 0.044715 x^3): y[i] for i < n
/// (8 lanes; ck_gelu_forward_avx512 is the same arithmetic 16 wide).
void ck_gelu_forward_avx2(const float *x, float *y, long n);

/// Backward of the same GELU from its input: dx[i] = dy[i] * gelu'(x[i]) for i < n.
void ck_gelu_backward_avx2(const float *x, const float *dy, float *dx, long n);

/// ck_gelu_forward_avx2 16 lanes wide; call only when ck_has_avx512f() is non-zero.
void ck_gelu_forward_avx512(const float *x, float *y, long n);

/// ck_gelu_backward_avx2 16 lanes wide; call only when ck_has_avx512f() is non-zero.
void ck_gelu_backward_avx512(const float *x, const float *dy, float *dx, long n);

/// Non-zero when this CPU runs AVX-512F instructions (the 12x32 SGEMM kernel needs nothing more).
int ck_has_avx512f(void);

/// Our SGEMM kernels, by the widest vectors they use. `CK_GEMM_AUTO` takes the widest this CPU runs.
enum { CK_GEMM_AUTO = 0, CK_GEMM_AVX2 = 1, CK_GEMM_AVX512 = 2 };

/// The most threads `ck_sgemm` splits one product over.
#define CK_GEMM_MAX_THREADS 8

/// The widest SGEMM kernel this CPU runs (`CK_GEMM_AVX512` or `CK_GEMM_AVX2`), or 0 if it runs neither.
int ck_sgemm_best_variant(void);

/// Row-major C = alpha * op(A) * op(B) + beta * C with op(A) m x k and op(B) k x n; `transA` means A is stored
/// k x m, `transB` that B is stored n x k; lda, ldb, ldc are row strides in elements. With beta = 0, C is
/// written without being read. Packed, cache-blocked (BLIS-style) on up to `threads` threads of our own pool.
/// Returns 0, or -1 (computing nothing) when `variant` is not one this CPU runs.
int ck_sgemm(int variant, int threads, int transA, int transB, long m, long n, long k, float alpha,
             const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc);

/// ck_sgemm splits a product over several threads only when each gets at least this many multiply-adds
/// (m * n * k / threads; default 4M, about 30 us on one core). 0 splits whatever the size (tests use that).
void ck_sgemm_set_min_work_per_thread(long macs);

/// The current minimum set by ck_sgemm_set_min_work_per_thread.
long ck_sgemm_min_work_per_thread(void);

/// `iterations` rounds of 16 independent 16-lane FMAs in zmm registers (512 flops per round), for measuring
/// the FMA peak; call only when ck_has_avx512f() is non-zero. Returns a sum so the work is not optimised away.
float ck_fma_loop_avx512(long iterations);

/// The same with 12 independent 8-lane ymm FMAs (192 flops per round: 16 chains and the two constants would not
/// fit AVX2's 16 registers); call only when ck_has_avx2_fma() is non-zero.
float ck_fma_loop_avx2(long iterations);

/// Flops per round of ck_fma_loop_avx512 and ck_fma_loop_avx2.
#define CK_FMA_LOOP_AVX512_FLOPS 512
#define CK_FMA_LOOP_AVX2_FLOPS 192

/// Softmax of one row, y[j] = exp(x[j] - max x) / sum, with FusedMath.exp's polynomial; n >= 0. Call only when
/// ck_has_avx512f() is non-zero (as for every `_avx512` function).
void ck_softmax_row_avx512(const float *x, float *y, long n);

/// Backward of one softmax row from its output: dx[j] = y[j] * (dy[j] - sum_i dy[i] y[i]).
void ck_softmax_backward_row_avx512(const float *y, const float *dy, float *dx, long n);

/// The row maximum m of x[0..<n] (-inf for n = 0) and sum_j exp(x[j] - m), without storing the exponentials:
/// log-softmax and cross-entropy take log(sum) and subtract both parts from the logits.
void ck_max_sum_exp_avx512(const float *x, long n, float *max, float *sumExp);

/// y[j] = scale * exp(x[j] - shift) for j < n: softmax rebuilt from a saved log-sum-exp, already scaled.
void ck_scaled_exp_avx512(const float *x, float shift, float scale, float *y, long n);

/// One AdamW step over n elements in place (w, m, v), with the scalars AdamW.step computes:
/// m += (1 - b1)(g - m); v = b2 v + (1 - b2) g^2; w = w * decay - stepSize * m / (sqrt(v) / correction2Sqrt + eps).
/// Bit-for-bit the Swift loop's result (same operations, no fused multiply-adds).
void ck_adamw_step_avx512(float *w, const float *g, float *m, float *v, long n, float decay, float oneMinusBeta1,
                          float beta2, float oneMinusBeta2, float stepSize, float correction2Sqrt, float eps);

/// Row-major y = alpha * op(A) * x + beta * y with A stored m x n (row stride lda): `trans` 0 is the dot form,
/// y (m) = A x, one dot product per row of A (a decoding step against an (out, in) weight); `trans` 1 the
/// axpy form, y (n) = A^T x (a weight stored (in, out)). x and y have strides incx, incy (in elements). With
/// beta = 0, y is written without being read. Reads A once, several rows at a time, and splits the outputs over
/// up to `threads` threads claiming chunks of the output (gemv_share.c). Returns 0, or -1 (computing nothing) when `variant`
/// (`CK_GEMM_AVX512`, `CK_GEMM_AVX2`, `CK_GEMM_AUTO`) is not one this CPU runs.
int ck_sgemv(int variant, int threads, int trans, long m, long n, float alpha, const float *a, long lda,
             const float *x, long incx, float beta, float *y, long incy);

/// ck_sgemv uses one more thread only for at least this many elements of A per thread (default 32K, 128 KB);
/// 0 splits whatever the size (tests use that).
void ck_sgemv_set_min_work_per_thread(long elements);

/// The current minimum set by ck_sgemv_set_min_work_per_thread.
long ck_sgemv_min_work_per_thread(void);

/// Matrix-vector products (ck_sgemv, ck_sgemv_group, ck_gemv_bf16_group) handed to helper threads since start.
long ck_gemv_handoffs(void);

/// Whether the matrix-vector helper threads spin (up to 50 us) between products while their cores are free,
/// judged by their own involuntary context switches (default on; a fixed ck_pool_set_spin_ns overrides it).
void ck_gemv_set_auto_spin(int on);

/// The setting of ck_gemv_set_auto_spin.
int ck_gemv_auto_spin(void);

/// e^x for i < n by the vector exp every kernel below shares (vector_exp.h; FusedMath.exp's arithmetic): below
/// 3 ulp of libm over [-87, 88], exact 0 under -87.5, +inf over 88.3. For the accuracy test and `bench ops`.
void ck_exp_avx512(const float *x, float *y, long n);

/// The same in ymm registers; call only when ck_has_avx2_fma() is non-zero.
void ck_exp_avx2(const float *x, float *y, long n);

/// Attention's causal softmax of x[0..<keys] (the keys a query sees) into y, zeros in y[keys..<width]; y may be x.
void ck_causal_softmax_row_avx512(const float *x, float *y, long keys, long width);

/// The same under the segment rule (SegmentMask): key j is seen iff seen[j] is 0 or `own`; hidden keys get 0.
void ck_segment_softmax_row_avx512(float *row, long keys, long width, const int *seen, int own);

/// Attention's softmax backward of one row: ds[j] = p[j] (dp[j] - sum_i p[i] dp[i]) scale for j < keys, 0 for
/// keys <= j < width; ds may be dp (the fused kernels work in place).
void ck_attention_softmax_backward_row_avx512(const float *p, const float *dp, float *ds, long keys, long width,
                                              float scale);

/// SwiGLU forward over n elements: out = gate / (1 + e^-gate) * up.
void ck_swiglu_forward_avx512(const float *gate, const float *up, float *out, long n);

/// SwiGLU backward: with s = sigmoid(gate), dgate = dy up s (1 + gate (1 - s)), dup = silu(gate) dy.
void ck_swiglu_backward_avx512(const float *dy, const float *gate, const float *up, float *dgate, float *dup, long n);

/// One RMSNorm row of c floats: y = x rstd (w + offset), rstd = 1 / sqrt(mean(x^2) + eps), returned.
float ck_rmsnorm_forward_row_avx512(const float *x, const float *w, float offset, float eps, float *y, long c);

/// Backward of one RMSNorm row: with n = x rstd, dx = rstd ((w + offset) dy - n mean((w + offset) dy n)), and
/// dw[j] += dy[j] n[j] (the caller's per-thread partial).
void ck_rmsnorm_backward_row_avx512(const float *dy, const float *x, const float *w, float offset, float rstd,
                                    float *dx, float *dw, long c);

/// Rotate-half RoPE of one row of `heads` heads of headDim floats (x and y may not overlap), angles of the
/// row's position in cos, sin (headDim / 2 each); sign -1 rotates back (the backward).
void ck_rope_row_avx512(const float *x, float *y, const float *cos, const float *sin, long heads, long headDim,
                        float sign);

/// Column sums of a row-major (rows, ld) matrix: out[j] = sum_r m[r ld + j] for j < n, each column's rows added
/// in order (a linear layer's bias gradient).
void ck_column_sums_avx512(const float *m, long rows, long ld, long n, float *out);

/// y[i] += alpha x[i] for i < n (cblas_saxpy with unit strides).
void ck_saxpy_avx512(long n, float alpha, const float *x, float *y);

/// x[i] *= alpha for i < n (cblas_sscal with a unit stride).
void ck_sscal_avx512(long n, float alpha, float *x);

/// The AVX2 + FMA variants of the row kernels above (same arguments, same arithmetic 8 lanes wide), for CPUs
/// without AVX-512; call only when ck_has_avx2_fma() is non-zero.
void ck_causal_softmax_row_avx2(const float *x, float *y, long keys, long width);
/// See ck_segment_softmax_row_avx512.
void ck_segment_softmax_row_avx2(float *row, long keys, long width, const int *seen, int own);
/// See ck_attention_softmax_backward_row_avx512.
void ck_attention_softmax_backward_row_avx2(const float *p, const float *dp, float *ds, long keys, long width, float scale);
/// See ck_column_sums_avx512.
void ck_column_sums_avx2(const float *m, long rows, long ld, long n, float *out);
/// See ck_swiglu_forward_avx512.
void ck_swiglu_forward_avx2(const float *gate, const float *up, float *out, long n);
/// See ck_swiglu_backward_avx512.
void ck_swiglu_backward_avx2(const float *dy, const float *gate, const float *up, float *dgate, float *dup, long n);
/// See ck_rmsnorm_forward_row_avx512.
float ck_rmsnorm_forward_row_avx2(const float *x, const float *w, float offset, float eps, float *y, long c);
/// See ck_rmsnorm_backward_row_avx512.
void ck_rmsnorm_backward_row_avx2(const float *dy, const float *x, const float *w, float offset, float rstd,
                                  float *dx, float *dw, long c);
/// See ck_rope_row_avx512.
void ck_rope_row_avx2(const float *x, float *y, const float *cos, const float *sin, long heads, long headDim, float sign);
/// y[g] (rows[g]) = A[g] x + bias[g] for g < count, each A[g] a row-major (rows[g], n) matrix (row stride n)
/// and bias[g] (or the whole `bias`) NULL for none: the matrix-vector products of one decoding step that share
/// their input (q/k/v, gate/up) in one hand-off to the helper threads and one split of their stacked rows. Each y[g][i]
/// equals ck_sgemv's (dot form, alpha 1, beta 0 or 1 onto the bias) bit for bit. Returns 0, or -1 when `variant`
/// is not one this CPU runs (or a row count is negative).
int ck_sgemv_group(int variant, int threads, int count, const long *rows, long n, const float *const *a,
                   const float *const *bias, const float *x, float *const *y);

/// Nanoseconds the pool's threads spin (a caller waiting for its parts, a worker for the next job; the matrix-vector
/// helpers of gemv_share.c for their next job) before
/// sleeping on a condvar; 0, the default, never spins. Decoding turns it on for its many small products.
void ck_pool_set_spin_ns(long nanoseconds);

/// The current spin set by ck_pool_set_spin_ns.
long ck_pool_spin_ns(void);

/// The plain C matrix-vector kernel (no vector extension), a variant beside CK_GEMM_AVX2 / CK_GEMM_AVX512 for
/// the kernels that have one (ck_gemv_bf16_group_variant).
enum { CK_GEMV_PORTABLE = 3 };

/// ck_sgemv_group's products with the weights in BF16 bits (a[g] row-major (rows[g], n), uint16 each): every
/// weight widened exactly to F32 and multiplied with x in F32. `variant` CK_GEMM_AVX512 / CK_GEMM_AVX2 give
/// y[g][i] equal to ck_sgemv_group's of the same variant on the widened weights bit for bit; CK_GEMV_PORTABLE
/// runs on every CPU (its own summation order); CK_GEMM_AUTO takes the widest this CPU runs. Returns 0, or -1
/// when `variant` is not one this CPU runs (or a row count is negative).
int ck_gemv_bf16_group_variant(int variant, int threads, int count, const long *rows, long n,
                               const unsigned short *const *a, const float *const *bias, const float *x,
                               float *const *y);

/// ck_gemv_bf16_group_variant with CK_GEMM_AUTO: never fails on a valid shape.
int ck_gemv_bf16_group(int threads, int count, const long *rows, long n, const unsigned short *const *a,
                       const float *const *bias, const float *x, float *const *y);

#endif
