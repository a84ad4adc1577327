/* CMPI: the few Open MPI calls TinyAlign's data parallelism needs, loaded at run time with dlopen.
   Why dlopen and not a link against libmpi: a single-process run must start on a machine without Open MPI,
   exactly as before, and a run under mpirun on a host whose libmpi is missing must end with one clear line
   instead of the loader's error. Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are macros over
   the addresses of exported objects (`ompi_mpi_comm_world`, ...), so they are looked up as symbols too. */
#ifndef TINYALIGN_CMPI_H
#define TINYALIGN_CMPI_H

#ifdef __cplusplus
extern "C" {
#endif

/* Loads libmpi (`library` when not NULL, else libmpi.so.40, then libmpi.so) and calls MPI_Init. 0 on success;
   otherwise a message in `error` (up to `capacity` bytes) and non-zero. Safe to call once per process. */
int cmpi_init(const char *library, char *error, int capacity);

/* Whether cmpi_init succeeded and MPI_Finalize has not run. */
int cmpi_is_initialized(void);

/* Rank and size in MPI_COMM_WORLD (0 and 1 before cmpi_init). */
int cmpi_rank(void);
int cmpi_size(void);

/* In-place sums over all ranks; `count` may exceed INT_MAX (sent in pieces). 0 on success. */
int cmpi_allreduce_sum_float(float *buffer, long count);
int cmpi_allreduce_sum_double(double *buffer, int count);
/* In-place maximum over all ranks. */
int cmpi_allreduce_max_double(double *buffer, int count);

/* `count` bytes of `buffer` from `root` to every rank. */
int cmpi_broadcast_bytes(void *buffer, int count, int root);

/* Gathers `count` floats of every rank into `receive` (sum of `counts` floats, rank order); `counts` and
   `displacements` have one entry per rank. */
int cmpi_allgatherv_float(const float *send, int count, float *receive, const int *counts, const int *displacements);

/* Gathers one int of every rank into `receive` (size entries). */
int cmpi_allgather_int(int value, int *receive);

int cmpi_barrier(void);

/* MPI_Finalize (once; later calls do nothing). */
int cmpi_finalize(void);

/* MPI_Abort on MPI_COMM_WORLD: ends every rank of the job. */
void cmpi_abort(int code);

/* Seconds of a monotonic clock (MPI_Wtime). */
double cmpi_wtime(void);

/* Installs a SIGTERM/SIGINT handler that writes `message` (copied; replace it any time with
   cmpi_set_stop_message) and a newline to stderr and ends the process with status 128 + signal: mpirun sends
   SIGTERM to the surviving ranks when one rank dies, so rank 0 says in one line what happened and what is on disk. */
void cmpi_install_stop_handler(const char *message);
void cmpi_set_stop_message(const char *message);

#ifdef __cplusplus
}
#endif
#endif
