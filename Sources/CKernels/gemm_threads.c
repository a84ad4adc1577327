/* ck_sgemm: picks the AVX-512 or AVX2 kernel and splits the product over a small pool of our own threads.
   The split is along M or N in whole micro-tiles, and each thread runs the complete blocked algorithm on its
   share with its own packing buffers: no barrier inside the product. Splitting M makes every thread pack all
   of B, splitting N all of A, so the split goes along the larger of M and N (the operand that is packed
   twice is then the smaller one). The pool is used by one caller at a time; a caller that finds it busy (or
   asks for one thread) runs the whole product on its own thread. */

#include "ckernels.h"
#include "gemm_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

/* The least work worth handing to one more thread, in multiply-adds: 4M is ~30 us on one core at its AVX-512
   peak, against ~5-20 us to wake a sleeping worker on these VMs. */
static _Atomic long min_macs_per_thread = 4L * 1024 * 1024;

void ck_sgemm_set_min_work_per_thread(long macs) { min_macs_per_thread = macs < 0 ? 0 : macs; }

long ck_sgemm_min_work_per_thread(void) { return min_macs_per_thread; }

int ck_sgemm_best_variant(void) {
    if (ck_has_avx512f()) return CK_GEMM_AVX512;
    if (ck_has_avx2_fma()) return CK_GEMM_AVX2;
    return 0;
}

/* One product and how it is cut into parts. */
typedef struct {
    ck_gemm_serial_fn fn;
    int transA, transB;
    long m, n, k;
    float alpha, beta;
    const float *a, *b;
    float *c;
    long lda, ldb, ldc;
    int splitM;   /* 1: parts are row ranges of C, 0: column ranges */
    long chunk;   /* rows or columns per part, a multiple of the micro-tile */
    void (*task)(const void *context, int part, int parts); /* when set, a part of some other kernel (ck_pool_run) */
    const void *context;
    int parts;    /* how many parts the task is cut into */
} gemm_job;

static void run_part(const gemm_job *j, int part) {
    if (j->task) { j->task(j->context, part, j->parts); return; }
    long lo = part * j->chunk;
    if (j->splitM) {
        if (lo >= j->m) return;
        long rows = j->m - lo < j->chunk ? j->m - lo : j->chunk;
        j->fn(j->transA, j->transB, rows, j->n, j->k, j->alpha, j->transA ? j->a + lo : j->a + lo * j->lda, j->lda,
              j->b, j->ldb, j->beta, j->c + lo * j->ldc, j->ldc);
    } else {
        if (lo >= j->n) return;
        long cols = j->n - lo < j->chunk ? j->n - lo : j->chunk;
        j->fn(j->transA, j->transB, j->m, cols, j->k, j->alpha, j->a, j->lda,
              j->transB ? j->b + lo * j->ldb : j->b + lo, j->ldb, j->beta, j->c + lo, j->ldc);
    }
}

/* The pool: workers wait for `generation` to move, run part (worker index + 1) of `job` if there is one, count
   themselves in `finished`, and the caller waits until all its parts are back. Waiting is a condvar sleep, first
   preceded by a bounded spin when `spin_ns` > 0: waking a sleeping thread costs ~5-20 us on these VMs, which is
   as long as one decoding matrix-vector product, so back-to-back small jobs (a decoding step's ~200 products)
   are handed over while the worker is still spinning. The spin is off by default: in a training step the
   cores between two products belong to Dispatch's workers, which a spinning pool thread would slow down. */
static pthread_mutex_t pool_owner = PTHREAD_MUTEX_INITIALIZER; /* held by the caller using the pool */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER, pool_done = PTHREAD_COND_INITIALIZER;
/* Written under pool_lock; read without it only by the spins, which then take the lock before acting. */
static _Atomic long pool_generation;
static _Atomic int pool_finished;
static int pool_workers, pool_parts;
static int pool_sleepers;        /* workers in pthread_cond_wait(pool_wake), under pool_lock */
static int pool_caller_sleeping; /* the caller is in pthread_cond_wait(pool_done), under pool_lock */
static gemm_job pool_job;
static _Atomic long pool_spin_ns;

void ck_pool_set_spin_ns(long nanoseconds) { pool_spin_ns = nanoseconds < 0 ? 0 : nanoseconds; }

long ck_pool_spin_ns(void) { return pool_spin_ns; }

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

/* Spins (at most pool_spin_ns) while *value == unchanged; returns without any guarantee: callers re-check under
   the lock. */
static void spin_while_long(_Atomic long *value, long unchanged) {
    long budget = pool_spin_ns;
    if (budget <= 0 || atomic_load_explicit(value, memory_order_acquire) != unchanged) return;
    long deadline = now_ns() + budget;
    for (;;) {
        for (int i = 0; i < 32; i++) {
            if (atomic_load_explicit(value, memory_order_acquire) != unchanged) return;
            cpu_relax();
        }
        if (now_ns() >= deadline) return;
    }
}

/* Spins (at most pool_spin_ns) while *value < target. */
static void spin_while_below(_Atomic int *value, int target) {
    long budget = pool_spin_ns;
    if (budget <= 0 || atomic_load_explicit(value, memory_order_acquire) >= target) return;
    long deadline = now_ns() + budget;
    for (;;) {
        for (int i = 0; i < 32; i++) {
            if (atomic_load_explicit(value, memory_order_acquire) >= target) return;
            cpu_relax();
        }
        if (now_ns() >= deadline) return;
    }
}

static void pool_dispatch(const gemm_job *job, int parts);

static void *pool_main(void *arg) {
    int index = (int)(long)arg;
    long seen = 0;
    for (;;) {
        spin_while_long(&pool_generation, seen);
        pthread_mutex_lock(&pool_lock);
        while (pool_generation == seen) {
            pool_sleepers++;
            pthread_cond_wait(&pool_wake, &pool_lock);
            pool_sleepers--;
        }
        seen = pool_generation;
        int part = index + 1, parts = pool_parts;
        gemm_job job = pool_job;
        pthread_mutex_unlock(&pool_lock);
        if (part < parts) {
            run_part(&job, part);
            pthread_mutex_lock(&pool_lock);
            if (++pool_finished == parts - 1 && pool_caller_sleeping) pthread_cond_signal(&pool_done);
            pthread_mutex_unlock(&pool_lock);
        }
    }
    return NULL;
}

/* Makes sure `count` workers exist (caller holds pool_owner); returns how many do. */
static int pool_grow(int count) {
    while (pool_workers < count) {
        pthread_t tid;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&tid, &attr, pool_main, (void *)(long)pool_workers);
        pthread_attr_destroy(&attr);
        if (failed) break;
        pthread_mutex_lock(&pool_lock);
        pool_workers++;
        pthread_mutex_unlock(&pool_lock);
    }
    return pool_workers;
}

int ck_sgemm(int variant, int threads, int transA, int transB, long m, long n, long k, float alpha,
             const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc) {
    if (variant == CK_GEMM_AUTO) variant = ck_sgemm_best_variant();
    gemm_job job;
    long mr, nr;
    if (variant == CK_GEMM_AVX512 && ck_has_avx512f()) {
        job.fn = ck_gemm_serial_avx512; mr = CK_AVX512_MR; nr = CK_AVX512_NR;
    } else if (variant == CK_GEMM_AVX2 && ck_has_avx2_fma()) {
        job.fn = ck_gemm_serial_avx2; mr = CK_AVX2_MR; nr = CK_AVX2_NR;
    } else {
        return -1;
    }
    if (m <= 0 || n <= 0) return 0;
    job.transA = transA; job.transB = transB; job.m = m; job.n = n; job.k = k;
    job.alpha = alpha; job.beta = beta; job.a = a; job.b = b; job.c = c;
    job.lda = lda; job.ldb = ldb; job.ldc = ldc;

    /* Split along the larger extent, in whole tiles, never into more parts than there are tiles. */
    job.splitM = m >= n;
    long extent = job.splitM ? m : n, tile = job.splitM ? mr : nr;
    long tiles = (extent + tile - 1) / tile;
    if (threads > CK_GEMM_MAX_THREADS) threads = CK_GEMM_MAX_THREADS;
    if (threads > tiles) threads = (int)tiles;
    /* Each thread must get at least min_macs_per_thread multiply-adds. */
    double macs = (double)m * (double)n * (double)k, least = (double)min_macs_per_thread;
    if (least > 0 && macs < threads * least) threads = macs < 2 * least ? 1 : (int)(macs / least);
    if (threads <= 1 || pthread_mutex_trylock(&pool_owner) != 0) {
        job.fn(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return 0;
    }
    int workers = pool_grow(threads - 1);
    int parts = workers + 1 < threads ? workers + 1 : threads;
    job.chunk = (tiles + parts - 1) / parts * tile;
    job.task = NULL; job.context = NULL;
    pool_dispatch(&job, parts);
    return 0;
}

/* Hands parts 1..<parts of `job` to the workers, runs part 0 here and waits for the rest; the caller holds
   pool_owner, which is released on return. */
static void pool_dispatch(const gemm_job *job, int parts) {
    pthread_mutex_lock(&pool_lock);
    pool_job = *job;
    pool_parts = parts;
    pool_finished = 0;
    pool_generation++;
    if (pool_sleepers > 0) pthread_cond_broadcast(&pool_wake);
    pthread_mutex_unlock(&pool_lock);

    run_part(job, 0);

    spin_while_below(&pool_finished, parts - 1);
    pthread_mutex_lock(&pool_lock);
    while (pool_finished < parts - 1) {
        pool_caller_sleeping = 1;
        pthread_cond_wait(&pool_done, &pool_lock);
        pool_caller_sleeping = 0;
    }
    pthread_mutex_unlock(&pool_lock);
    pthread_mutex_unlock(&pool_owner);
}

int ck_pool_run(int parts, void (*task)(const void *context, int part, int parts), const void *context) {
    if (parts > CK_GEMM_MAX_THREADS) parts = CK_GEMM_MAX_THREADS;
    if (parts <= 1 || pthread_mutex_trylock(&pool_owner) != 0) return 0;
    int workers = pool_grow(parts - 1);
    if (workers + 1 < parts) parts = workers + 1;
    if (parts <= 1) { pthread_mutex_unlock(&pool_owner); return 0; }
    gemm_job job = {0};
    job.task = task; job.context = context; job.parts = parts;
    pool_dispatch(&job, parts);
    return parts;
}
