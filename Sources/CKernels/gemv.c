/* ck_sgemv: y = alpha·op(A)·x + beta·y, the matrix-vector product of batch-1 decoding. Its time is the time to
   stream A from memory once, so the kernels read A exactly once, several rows at a time (more independent loads
   in flight), in the widest vectors this CPU runs, and split the output into chunks that the calling thread and
   helper threads claim as they come (ck_share_run, gemv_share.c; a second core adds bandwidth: one core alone
   does not saturate memory).
     dot form  (trans = 0): A is (m, n) with rows of the weight as outputs; y[i] = dot(A[i, :], x), i < m.
     axpy form (trans = 1): A is (m, n), y (n) = sum_i x[i]·A[i, :]; each thread owns a range of columns. */

#include "ckernels.h"
#include "gemm_internal.h"
#include "gemv_share.h"

#include <stdlib.h>
#include <string.h>

/* Elements of A per extra thread below which splitting costs more than it gains: 32K floats (128 KB, ~10 us of
   memory traffic) against ~5-20 us to wake a worker on these VMs. */
static _Atomic long gemv_min_elements_per_thread = 32L * 1024;

void ck_sgemv_set_min_work_per_thread(long elements) { gemv_min_elements_per_thread = elements < 0 ? 0 : elements; }

long ck_sgemv_min_work_per_thread(void) { return gemv_min_elements_per_thread; }

long ck_gemv_handoffs(void) { return ck_share_jobs(); }

/* Units (rows of A, or columns in the axpy form) per claimed chunk: ~64 KB of A, whole 16-unit blocks. With
   `other` elements of `element_bytes` per unit. */
static long gemv_grain(long other, size_t element_bytes) {
    long bytes_per_unit = (long)((size_t)(other > 0 ? other : 1) * element_bytes);
    long grain = (65536 / bytes_per_unit + 15) / 16 * 16;
    return grain < 16 ? 16 : grain;
}

#if defined(__x86_64__)
#include <immintrin.h>

/* Rows per step of the dot form and columns per block of the axpy form. */
#define DOT_ROWS 4
#define AXPY_BLOCK 512

static inline float finish(float sum, float alpha, float beta, float old) {
    return beta == 0 ? alpha * sum : alpha * sum + beta * old;
}

/* ---- AVX-512F ---- */
#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)

/* y[r] for R rows starting at a: two 16-lane accumulators per row, a scalar tail for n % 16. */
static inline __attribute__((always_inline)) void dot_rows_avx512(int R, const float *a, long lda, long n,
                                                                  const float *x, float *sums) {
    __m512 acc0[DOT_ROWS], acc1[DOT_ROWS];
    for (int r = 0; r < R; r++) { acc0[r] = _mm512_setzero_ps(); acc1[r] = _mm512_setzero_ps(); }
    long j = 0;
    for (; j + 32 <= n; j += 32) {
        __m512 x0 = _mm512_loadu_ps(x + j), x1 = _mm512_loadu_ps(x + j + 16);
        for (int r = 0; r < R; r++) {
            /* The rows two steps ahead (with 576-wide rows, ~18 KB), so more of the stream is in flight than the
               hardware prefetcher keeps: measured 1.1-1.2x on the gate/up shape streamed from memory. */
            _mm_prefetch((const char *)(a + (r + 2 * R) * lda + j), _MM_HINT_T0);
            _mm_prefetch((const char *)(a + (r + 2 * R) * lda + j + 16), _MM_HINT_T0);
            acc0[r] = _mm512_fmadd_ps(_mm512_loadu_ps(a + r * lda + j), x0, acc0[r]);
            acc1[r] = _mm512_fmadd_ps(_mm512_loadu_ps(a + r * lda + j + 16), x1, acc1[r]);
        }
    }
    if (j + 16 <= n) {
        __m512 x0 = _mm512_loadu_ps(x + j);
        for (int r = 0; r < R; r++) acc0[r] = _mm512_fmadd_ps(_mm512_loadu_ps(a + r * lda + j), x0, acc0[r]);
        j += 16;
    }
    if (j < n) {
        __mmask16 mask = (__mmask16)((1u << (n - j)) - 1);
        __m512 x0 = _mm512_maskz_loadu_ps(mask, x + j);
        for (int r = 0; r < R; r++)
            acc1[r] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, a + r * lda + j), x0, acc1[r]);
    }
    for (int r = 0; r < R; r++) sums[r] = _mm512_reduce_add_ps(_mm512_add_ps(acc0[r], acc1[r]));
}

static void dot_avx512(long m, long n, float alpha, const float *a, long lda, const float *x, float beta, float *y) {
    float sums[DOT_ROWS];
    long i = 0;
    for (; i + DOT_ROWS <= m; i += DOT_ROWS) {
        dot_rows_avx512(DOT_ROWS, a + i * lda, lda, n, x, sums);
        for (int r = 0; r < DOT_ROWS; r++) y[i + r] = finish(sums[r], alpha, beta, y[i + r]);
    }
    for (; i < m; i++) {
        dot_rows_avx512(1, a + i * lda, lda, n, x, sums);
        y[i] = finish(sums[0], alpha, beta, y[i]);
    }
}

/* Columns [0, n) of y (already offset) from A's matching columns, AXPY_BLOCK columns at a time in an L1 block. */
static void axpy_avx512(long m, long n, float alpha, const float *a, long lda, const float *x, float beta, float *y) {
    float acc[AXPY_BLOCK] __attribute__((aligned(64)));
    for (long j0 = 0; j0 < n; j0 += AXPY_BLOCK) {
        long w = n - j0 < AXPY_BLOCK ? n - j0 : AXPY_BLOCK;
        long wv = w / 16 * 16;
        memset(acc, 0, sizeof(float) * (size_t)w);
        const float *col = a + j0;
        long i = 0;
        for (; i + 4 <= m; i += 4) {
            const float *r0 = col + i * lda, *r1 = r0 + lda, *r2 = r1 + lda, *r3 = r2 + lda;
            __m512 x0 = _mm512_set1_ps(x[i]), x1 = _mm512_set1_ps(x[i + 1]);
            __m512 x2 = _mm512_set1_ps(x[i + 2]), x3 = _mm512_set1_ps(x[i + 3]);
            for (long j = 0; j < wv; j += 16) {
                __m512 s = _mm512_load_ps(acc + j);
                s = _mm512_fmadd_ps(_mm512_loadu_ps(r0 + j), x0, s);
                s = _mm512_fmadd_ps(_mm512_loadu_ps(r1 + j), x1, s);
                s = _mm512_fmadd_ps(_mm512_loadu_ps(r2 + j), x2, s);
                s = _mm512_fmadd_ps(_mm512_loadu_ps(r3 + j), x3, s);
                _mm512_store_ps(acc + j, s);
            }
            for (long j = wv; j < w; j++) acc[j] += r0[j] * x[i] + r1[j] * x[i + 1] + r2[j] * x[i + 2] + r3[j] * x[i + 3];
        }
        for (; i < m; i++) {
            const float *r0 = col + i * lda;
            __m512 x0 = _mm512_set1_ps(x[i]);
            for (long j = 0; j < wv; j += 16)
                _mm512_store_ps(acc + j, _mm512_fmadd_ps(_mm512_loadu_ps(r0 + j), x0, _mm512_load_ps(acc + j)));
            for (long j = wv; j < w; j++) acc[j] += r0[j] * x[i];
        }
        for (long j = 0; j < w; j++) y[j0 + j] = finish(acc[j], alpha, beta, y[j0 + j]);
    }
}

#pragma clang attribute pop

/* ---- AVX2 + FMA ---- */
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

static inline float hsum_avx2(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline __attribute__((always_inline)) void dot_rows_avx2(int R, const float *a, long lda, long n,
                                                                const float *x, float *sums) {
    __m256 acc0[DOT_ROWS], acc1[DOT_ROWS];
    for (int r = 0; r < R; r++) { acc0[r] = _mm256_setzero_ps(); acc1[r] = _mm256_setzero_ps(); }
    long j = 0;
    for (; j + 16 <= n; j += 16) {
        __m256 x0 = _mm256_loadu_ps(x + j), x1 = _mm256_loadu_ps(x + j + 8);
        for (int r = 0; r < R; r++) {
            _mm_prefetch((const char *)(a + (r + 2 * R) * lda + j), _MM_HINT_T0); /* as in dot_rows_avx512 */
            acc0[r] = _mm256_fmadd_ps(_mm256_loadu_ps(a + r * lda + j), x0, acc0[r]);
            acc1[r] = _mm256_fmadd_ps(_mm256_loadu_ps(a + r * lda + j + 8), x1, acc1[r]);
        }
    }
    if (j + 8 <= n) {
        __m256 x0 = _mm256_loadu_ps(x + j);
        for (int r = 0; r < R; r++) acc0[r] = _mm256_fmadd_ps(_mm256_loadu_ps(a + r * lda + j), x0, acc0[r]);
        j += 8;
    }
    for (int r = 0; r < R; r++) {
        float s = hsum_avx2(_mm256_add_ps(acc0[r], acc1[r]));
        for (long t = j; t < n; t++) s += a[r * lda + t] * x[t];
        sums[r] = s;
    }
}

static void dot_avx2(long m, long n, float alpha, const float *a, long lda, const float *x, float beta, float *y) {
    float sums[DOT_ROWS];
    long i = 0;
    for (; i + DOT_ROWS <= m; i += DOT_ROWS) {
        dot_rows_avx2(DOT_ROWS, a + i * lda, lda, n, x, sums);
        for (int r = 0; r < DOT_ROWS; r++) y[i + r] = finish(sums[r], alpha, beta, y[i + r]);
    }
    for (; i < m; i++) {
        dot_rows_avx2(1, a + i * lda, lda, n, x, sums);
        y[i] = finish(sums[0], alpha, beta, y[i]);
    }
}

static void axpy_avx2(long m, long n, float alpha, const float *a, long lda, const float *x, float beta, float *y) {
    float acc[AXPY_BLOCK] __attribute__((aligned(32)));
    for (long j0 = 0; j0 < n; j0 += AXPY_BLOCK) {
        long w = n - j0 < AXPY_BLOCK ? n - j0 : AXPY_BLOCK;
        long wv = w / 8 * 8;
        memset(acc, 0, sizeof(float) * (size_t)w);
        const float *col = a + j0;
        long i = 0;
        for (; i + 4 <= m; i += 4) {
            const float *r0 = col + i * lda, *r1 = r0 + lda, *r2 = r1 + lda, *r3 = r2 + lda;
            __m256 x0 = _mm256_set1_ps(x[i]), x1 = _mm256_set1_ps(x[i + 1]);
            __m256 x2 = _mm256_set1_ps(x[i + 2]), x3 = _mm256_set1_ps(x[i + 3]);
            for (long j = 0; j < wv; j += 8) {
                __m256 s = _mm256_load_ps(acc + j);
                s = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + j), x0, s);
                s = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + j), x1, s);
                s = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + j), x2, s);
                s = _mm256_fmadd_ps(_mm256_loadu_ps(r3 + j), x3, s);
                _mm256_store_ps(acc + j, s);
            }
            for (long j = wv; j < w; j++) acc[j] += r0[j] * x[i] + r1[j] * x[i + 1] + r2[j] * x[i + 2] + r3[j] * x[i + 3];
        }
        for (; i < m; i++) {
            const float *r0 = col + i * lda;
            __m256 x0 = _mm256_set1_ps(x[i]);
            for (long j = 0; j < wv; j += 8)
                _mm256_store_ps(acc + j, _mm256_fmadd_ps(_mm256_loadu_ps(r0 + j), x0, _mm256_load_ps(acc + j)));
            for (long j = wv; j < w; j++) acc[j] += r0[j] * x[i];
        }
        for (long j = 0; j < w; j++) y[j0 + j] = finish(acc[j], alpha, beta, y[j0 + j]);
    }
}

#pragma clang attribute pop

/* ---- front end ---- */

typedef void (*gemv_fn)(long m, long n, float alpha, const float *a, long lda, const float *x, float beta, float *y);

typedef struct {
    gemv_fn fn;
    int trans;
    long m, n, lda;
    float alpha, beta;
    const float *a, *x;
    float *y;
} gemv_job;

/* Outputs [lo, hi): rows of A (dot form) or columns (axpy form). */
static void gemv_range(const void *context, long lo, long hi) {
    const gemv_job *j = (const gemv_job *)context;
    if (j->trans) j->fn(j->m, hi - lo, j->alpha, j->a + lo, j->lda, j->x, j->beta, j->y + lo);
    else j->fn(hi - lo, j->n, j->alpha, j->a + lo * j->lda, j->lda, j->x, j->beta, j->y + lo);
}

/* Per-thread room for a gathered x and y when their strides are not 1. */
static __thread float *gemv_scratch;
static __thread size_t gemv_scratch_cap;

int ck_sgemv(int variant, int threads, int trans, long m, long n, float alpha, const float *a, long lda,
             const float *x, long incx, float beta, float *y, long incy) {
    if (variant == CK_GEMM_AUTO) variant = ck_sgemm_best_variant();
    gemv_job job;
    if (variant == CK_GEMM_AVX512 && ck_has_avx512f()) job.fn = trans ? axpy_avx512 : dot_avx512;
    else if (variant == CK_GEMM_AVX2 && ck_has_avx2_fma()) job.fn = trans ? axpy_avx2 : dot_avx2;
    else return -1;
    long lenX = trans ? m : n, lenY = trans ? n : m;
    if (lenY <= 0) return 0;
    if (lenX <= 0 || alpha == 0) {
        for (long i = 0; i < lenY; i++) y[i * incy] = beta == 0 ? 0 : beta * y[i * incy];
        return 0;
    }
    float *ys = y;
    const float *xs = x;
    if (incx != 1 || incy != 1) {
        size_t need = (size_t)(lenX + lenY);
        if (need > gemv_scratch_cap) {
            free(gemv_scratch);
            gemv_scratch = (float *)malloc(need * sizeof(float));
            gemv_scratch_cap = gemv_scratch ? need : 0;
            if (!gemv_scratch) abort(); /* a few hundred KB could not be allocated */
        }
        if (incx != 1) {
            float *g = gemv_scratch;
            for (long p = 0; p < lenX; p++) g[p] = x[p * incx];
            xs = g;
        }
        if (incy != 1) {
            ys = gemv_scratch + lenX;
            if (beta != 0) for (long i = 0; i < lenY; i++) ys[i] = y[i * incy];
        }
    }
    job.trans = trans; job.m = m; job.n = n; job.lda = lda; job.alpha = alpha; job.beta = beta;
    job.a = a; job.x = xs; job.y = ys;

    long elements = m * n, least = gemv_min_elements_per_thread;
    long most = (lenY + 15) / 16; /* parts are whole 16-output chunks */
    if (threads > most) threads = (int)most;
    if (least > 0 && elements < threads * least) threads = elements < 2 * least ? 1 : (int)(elements / least);
    /* Dot form: chunks of rows; the axpy form's column chunks are wider (each row of a chunk is one segment). */
    long grain = trans ? gemv_grain(m, sizeof(float)) : gemv_grain(n, sizeof(float));
    if (trans && grain < 128) grain = 128;
    if (threads <= 1) gemv_range(&job, 0, lenY);
    else ck_share_run(threads, lenY, grain, gemv_range, &job);

    if (ys != y) for (long i = 0; i < lenY; i++) y[i * incy] = ys[i];
    return 0;
}

/* The F32 rows of a group: bias copied into y and the product added (beta 1), as DenseKernel does. */
static void f32_rows_avx512(long m, long n, const void *a, const float *x, const float *bias, float *y) {
    if (bias) memcpy(y, bias, sizeof(float) * (size_t)m);
    dot_avx512(m, n, 1, (const float *)a, n, x, bias ? 1 : 0, y);
}

static void f32_rows_avx2(long m, long n, const void *a, const float *x, const float *bias, float *y) {
    if (bias) memcpy(y, bias, sizeof(float) * (size_t)m);
    dot_avx2(m, n, 1, (const float *)a, n, x, bias ? 1 : 0, y);
}

int ck_sgemv_group(int variant, int threads, int count, const long *rows, long n, const float *const *a,
                   const float *const *bias, const float *x, float *const *y) {
    if (variant == CK_GEMM_AUTO) variant = ck_sgemm_best_variant();
    ck_gemv_rows_fn fn;
    if (variant == CK_GEMM_AVX512 && ck_has_avx512f()) fn = f32_rows_avx512;
    else if (variant == CK_GEMM_AVX2 && ck_has_avx2_fma()) fn = f32_rows_avx2;
    else return -1;
    return ck_gemv_group_run(fn, sizeof(float), threads, count, rows, n, (const void *const *)a, bias, x, y);
}

#else

int ck_sgemv(int variant, int threads, int trans, long m, long n, float alpha, const float *a, long lda,
             const float *x, long incx, float beta, float *y, long incy) {
    return -1;
}

int ck_sgemv_group(int variant, int threads, int count, const long *rows, long n, const float *const *a,
                   const float *const *bias, const float *x, float *const *y) {
    return -1;
}

#endif

/* ---- several matrices against one x (a decoding step's q/k/v, or gate/up); plain C, every CPU ---- */

/* The matrices' rows stacked into one virtual (total, n) matrix, cut into chunks the threads claim
   (ck_share_run), so the products cost one hand-off instead of one each. Each row's sum is the single-matrix kernel's
   (the same accumulators in the same order), so the results equal separate products bit for bit. */
typedef struct {
    ck_gemv_rows_fn fn;
    size_t element_bytes;
    int count;
    long n, total;
    const long *rows;
    const void *const *a;
    const float *const *bias;
    const float *x;
    float *const *y;
} gemv_group_job;

/* Stacked rows [lo, hi), each through the segment of the matrix it belongs to. */
static void gemv_group_range(const void *context, long lo, long hi) {
    const gemv_group_job *j = (const gemv_group_job *)context;
    long base = 0;
    for (int g = 0; g < j->count && base < hi; g++) {
        long end = base + j->rows[g];
        long s = lo > base ? lo : base, e = hi < end ? hi : end;
        if (s < e) {
            const char *a = (const char *)j->a[g] + (size_t)((s - base) * j->n) * j->element_bytes;
            const float *bias = j->bias && j->bias[g] ? j->bias[g] + (s - base) : NULL;
            j->fn(e - s, j->n, a, j->x, bias, j->y[g] + (s - base));
        }
        base = end;
    }
}

int ck_gemv_group_run(ck_gemv_rows_fn fn, size_t element_bytes, int threads, int count, const long *rows, long n,
                      const void *const *a, const float *const *bias, const float *x, float *const *y) {
    long total = 0;
    for (int g = 0; g < count; g++) {
        if (rows[g] < 0) return -1;
        total += rows[g];
    }
    if (total == 0) return 0;
    if (n <= 0) {
        for (int g = 0; g < count; g++)
            for (long i = 0; i < rows[g]; i++) y[g][i] = bias && bias[g] ? bias[g][i] : 0;
        return 0;
    }
    gemv_group_job job = {fn, element_bytes, count, n, total, rows, a, bias, x, y};
    /* ck_sgemv's rule in bytes of A: an element narrower than F32 is less work per thread. */
    long elements = (long)((size_t)(total * n) * element_bytes / sizeof(float)), least = gemv_min_elements_per_thread;
    long most = (total + 15) / 16;
    if (threads > most) threads = (int)most;
    if (least > 0 && elements < threads * least) threads = elements < 2 * least ? 1 : (int)(elements / least);
    if (threads <= 1) gemv_group_range(&job, 0, total);
    else ck_share_run(threads, total, gemv_grain(n, element_bytes), gemv_group_range, &job);
    return 0;
}

