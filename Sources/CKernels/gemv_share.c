/* ck_share_run: the matrix-vector products of batch-1 decoding split over threads by claiming, not by
   assignment. The GEMM pool (gemm_threads.c) gives each thread a fixed part and the caller then waits for every
   part, so each of a token's ~120 products waits for the second thread to wake (5-20 us on these VMs, a whole
   time slice when another process holds that core): one thread decoded faster than two on the loaded machine.
   Here the product is cut into chunks of ~64 KB of weights; the caller starts on them at once, helpers join
   when they wake and claim chunks from the same counter, and the caller waits only for the chunks a helper has
   already claimed (at most one each, ~2 us). A helper that wakes late finds nothing left and sleeps again, so
   a busy machine degrades to one thread's speed instead of below it.

   The counter and the job's generation share one 64-bit word (generation << 32 | next chunk): a claim is a
   compare-and-swap on it, so a helper that read the job's fields and then claims successfully read the fields
   of a job that was still unfinished (a new job is published only after every chunk of the last one is done,
   and the word never repeats a value). Every row's result is computed by the same kernel whichever thread
   claims it, so results equal one thread's bit for bit. */

#define _GNU_SOURCE /* RUSAGE_THREAD */
#include "gemv_share.h"
#include "ckernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <time.h>

#define SHARE_MAX_HELPERS (CK_GEMM_MAX_THREADS - 1)

static pthread_mutex_t share_owner = PTHREAD_MUTEX_INITIALIZER; /* held by the caller running a job */
static pthread_mutex_t share_lock = PTHREAD_MUTEX_INITIALIZER;  /* publication against helpers going to sleep */
static pthread_cond_t share_wake = PTHREAD_COND_INITIALIZER;
static int share_helpers;  /* helpers created, under share_owner */
static int share_sleepers; /* helpers in pthread_cond_wait, under share_lock */
static _Atomic unsigned long share_state; /* generation << 32 | next unclaimed chunk */
static _Atomic long share_done;           /* chunks of the current job finished */
static _Atomic long share_jobs;           /* jobs published to helpers so far */

/* The current job; written by its caller before the generation moves, read with relaxed atomics. */
static ck_range_fn share_task;
static const void *share_context;
static long share_units, share_grain, share_chunks;
static int share_limit; /* helpers with an index below this take part */

#define LOAD(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)
#define STORE(field, value) __atomic_store_n(&(field), (value), __ATOMIC_RELAXED)

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

static inline void relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

/* ---- spinning only while the cores are free ----
   A helper that sleeps between products wakes 5-20 us into each one, which on a quiet machine costs a token
   ~25 % (OpenBLAS's spinning threads ran 63 tokens/s there against our sleeping helper's 47); a helper that
   spins between products takes CPU time that, on a shared machine, other processes and our own caller want
   (spinning lost ~20 % at load 5). So unless ck_pool_set_spin_ns asks for a fixed spin, each helper decides by
   its own involuntary context switches (getrusage RUSAGE_THREAD), which the kernel counts when another runnable
   thread takes the core from it: a 50 ms window of spinning without one means the cores are free and it keeps
   spinning up to SHARE_AUTO_SPIN_NS; any means contention (at load 3 here, 1-5 per window, 0 in 3 of 45), and
   it sleeps at once for a back-off that doubles (0.4 s up to 3.2 s) before it tries a spinning window again. */
#define SHARE_AUTO_SPIN_NS 50000L
#define SHARE_WINDOW_NS 50000000L
#define SHARE_QUIET_SWITCHES 0

static _Atomic int share_auto_spin = 1;

void ck_gemv_set_auto_spin(int on) { share_auto_spin = on != 0; }

int ck_gemv_auto_spin(void) { return share_auto_spin; }

typedef struct {
    int spinning;      /* the current window spins */
    long window_start; /* ns */
    long switches;     /* involuntary switches at window_start */
    long backoff;      /* ns of sleeping before the next spinning window */
} share_probe;

static long involuntary_switches(void) {
#if defined(RUSAGE_THREAD)
    struct rusage usage;
    if (getrusage(RUSAGE_THREAD, &usage) == 0) return usage.ru_nivcsw;
#endif
    return -1;
}

/* The spin budget for the next wait of this helper. */
static long share_spin_budget(share_probe *p) {
    long fixed = ck_pool_spin_ns();
    if (fixed > 0) return fixed;
    if (!share_auto_spin) return 0;
    long t = now_ns();
    long elapsed = t - p->window_start;
    if (p->spinning && elapsed >= SHARE_WINDOW_NS) {
        long now = involuntary_switches();
        if (now < 0 || now - p->switches > SHARE_QUIET_SWITCHES) {
            p->spinning = 0;
            p->backoff = p->backoff < 8 * SHARE_WINDOW_NS ? 8 * SHARE_WINDOW_NS
                         : p->backoff < 64 * SHARE_WINDOW_NS ? 2 * p->backoff : p->backoff;
        } else {
            p->backoff = 0;
        }
        p->switches = now;
        p->window_start = t;
    } else if (!p->spinning && elapsed >= p->backoff) {
        p->spinning = 1;
        p->switches = involuntary_switches();
        p->window_start = t;
    }
    return p->spinning ? SHARE_AUTO_SPIN_NS : 0;
}

/* Claims and runs chunks of generation `gen` until none is left (or a newer job appears); `helper` is the
   helper's index, or -1 for the caller. */
static void share_work(unsigned long gen, int helper) {
    for (;;) {
        unsigned long s = atomic_load_explicit(&share_state, memory_order_acquire);
        if ((s >> 32) != gen) return;
        long index = (long)(s & 0xffffffffUL);
        ck_range_fn task = LOAD(share_task);
        const void *context = LOAD(share_context);
        long units = LOAD(share_units), grain = LOAD(share_grain), chunks = LOAD(share_chunks);
        if (index >= chunks || (helper >= 0 && helper >= LOAD(share_limit))) return;
        if (!atomic_compare_exchange_weak_explicit(&share_state, &s, s + 1, memory_order_acq_rel, memory_order_acquire))
            continue;
        long lo = index * grain, hi = lo + grain < units ? lo + grain : units;
        task(context, lo, hi);
        atomic_fetch_add_explicit(&share_done, 1, memory_order_release);
    }
}

static void *share_main(void *arg) {
    int index = (int)(long)arg;
    unsigned long seen = 0;
    share_probe probe = {0, now_ns(), 0, 0};
    for (;;) {
        long budget = share_spin_budget(&probe);
        if (budget > 0 && (atomic_load_explicit(&share_state, memory_order_acquire) >> 32) == seen) {
            long deadline = now_ns() + budget;
            while ((atomic_load_explicit(&share_state, memory_order_acquire) >> 32) == seen && now_ns() < deadline)
                for (int i = 0; i < 32; i++) relax();
        }
        pthread_mutex_lock(&share_lock);
        while ((atomic_load_explicit(&share_state, memory_order_acquire) >> 32) == seen) {
            share_sleepers++;
            pthread_cond_wait(&share_wake, &share_lock);
            share_sleepers--;
        }
        seen = atomic_load_explicit(&share_state, memory_order_acquire) >> 32;
        pthread_mutex_unlock(&share_lock);
        share_work(seen, index);
    }
    return NULL;
}

/* Makes sure `count` helpers exist (caller holds share_owner); returns how many do. */
static int share_grow(int count) {
    while (share_helpers < count) {
        pthread_t tid;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&tid, &attr, share_main, (void *)(long)share_helpers);
        pthread_attr_destroy(&attr);
        if (failed) break;
        share_helpers++;
    }
    return share_helpers;
}

int ck_share_run(int threads, long units, long grain, ck_range_fn task, const void *context) {
    if (units <= 0) return 0;
    if (grain < 1) grain = 1;
    long chunks = (units + grain - 1) / grain;
    if (threads > chunks) threads = (int)chunks;
    if (threads > SHARE_MAX_HELPERS + 1) threads = SHARE_MAX_HELPERS + 1;
    if (threads <= 1 || chunks > 0xffffffffL || pthread_mutex_trylock(&share_owner) != 0) {
        task(context, 0, units);
        return 0;
    }
    int helpers = share_grow(threads - 1);
    if (helpers > threads - 1) helpers = threads - 1;
    if (helpers < 1) {
        pthread_mutex_unlock(&share_owner);
        task(context, 0, units);
        return 0;
    }
    STORE(share_task, task);
    STORE(share_context, context);
    STORE(share_units, units);
    STORE(share_grain, grain);
    STORE(share_chunks, chunks);
    STORE(share_limit, helpers);
    atomic_store_explicit(&share_done, 0, memory_order_relaxed);
    pthread_mutex_lock(&share_lock);
    unsigned long gen = (atomic_load_explicit(&share_state, memory_order_relaxed) >> 32) + 1;
    atomic_store_explicit(&share_state, gen << 32, memory_order_release);
    if (share_sleepers > 0) pthread_cond_broadcast(&share_wake);
    pthread_mutex_unlock(&share_lock);
    share_jobs++;

    share_work(gen, -1);
    /* What is left are chunks a helper claimed and is running: spin briefly, then yield the core to it. */
    long spins = 0;
    while (atomic_load_explicit(&share_done, memory_order_acquire) < chunks) {
        if (++spins < 4096) relax();
        else sched_yield();
    }
    pthread_mutex_unlock(&share_owner);
    return helpers + 1;
}

long ck_share_jobs(void) { return share_jobs; }
