#ifndef CK_GEMM_INTERNAL_H
#define CK_GEMM_INTERNAL_H

#include <stddef.h>

/* Shared between the per-ISA GEMM files and the threading front end (ck_sgemm in gemm_threads.c); not part of
   the public header. */

/* One thread's share of C = alpha·op(A)·op(B) + beta·C, row-major, with its own packing buffers. The pointers
   already point at the thread's first row / column; m, n, k >= 1. */
typedef void (*ck_gemm_serial_fn)(int transA, int transB, long m, long n, long k, float alpha,
                                  const float *a, long lda, const float *b, long ldb, float beta,
                                  float *c, long ldc);

/* The 12x32 zmm kernel (AVX-512F): call only when ck_has_avx512f() is non-zero. */
void ck_gemm_serial_avx512(int transA, int transB, long m, long n, long k, float alpha,
                           const float *a, long lda, const float *b, long ldb, float beta,
                           float *c, long ldc);

/* The 6x16 ymm kernel (AVX2 + FMA): call only when ck_has_avx2_fma() is non-zero. */
void ck_gemm_serial_avx2(int transA, int transB, long m, long n, long k, float alpha,
                         const float *a, long lda, const float *b, long ldb, float beta,
                         float *c, long ldc);

/* Micro-tile shapes (rows of C x columns of C), so the thread split lands on whole tiles. */
#define CK_AVX512_MR 12
#define CK_AVX512_NR 32
#define CK_AVX2_MR 6
#define CK_AVX2_NR 16

/* Runs task(context, part, used) for part in [0, used), used <= parts, on the GEMM's thread pool, part 0 on the calling thread, and
   returns used (at most CK_GEMM_MAX_THREADS), or 0, running nothing, when the pool is busy or
   one part was asked for: the caller then does the whole job itself. */
int ck_pool_run(int parts, void (*task)(const void *context, int part, int parts), const void *context);

/* m rows of a row-major (m, n) matrix (its element type the kernel's) against x: y[i] = dot(a[i, :], x) + bias[i]
   (bias NULL: none). One kernel of ck_gemv_group_run. */
typedef void (*ck_gemv_rows_fn)(long m, long n, const void *a, const float *x, const float *bias, float *y);

/* y[g] = A[g] x + bias[g] for g < count through `fn`, the matrices' rows stacked and cut into ~64 KB chunks that
   up to `threads` threads claim (ck_share_run, gemv_share.c; ck_sgemv's work rule, counted in bytes of A:
   element_bytes each); the driver of ck_sgemv_group and ck_gemv_bf16_group_variant. Returns 0, or -1 for a
   negative row count. */
int ck_gemv_group_run(ck_gemv_rows_fn fn, size_t element_bytes, int threads, int count, const long *rows, long n,
                      const void *const *a, const float *const *bias, const float *x, float *const *y);

#endif
