#ifndef CK_GEMM_INTERNAL_H
#define CK_GEMM_INTERNAL_H

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

#endif
