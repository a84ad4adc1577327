/* Internal to the matrix-vector kernels: ck_share_run (gemv_share.c). */
#ifndef CK_GEMV_SHARE_H
#define CK_GEMV_SHARE_H

/* Computes units [lo, hi) of a job (rows or columns of a product). */
typedef void (*ck_range_fn)(const void *context, long lo, long hi);

/* Runs task over units [0, units) in chunks of `grain` units, claimed one at a time by the calling thread and
   by up to threads - 1 helper threads as they wake; returns when every chunk is done. Returns the threads that
   could take part (0: the caller ran it all inline, e.g. for one thread or when another caller holds the
   helpers). */
int ck_share_run(int threads, long units, long grain, ck_range_fn task, const void *context);

/* Jobs handed to the helpers so far (each one wake-up or spin hand-off). */
long ck_share_jobs(void);

#endif
