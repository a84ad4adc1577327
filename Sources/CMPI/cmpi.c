/* See include/cmpi.h: Open MPI through dlopen, the handful of collectives TinyAlign uses. */
#include "cmpi.h"

#include <dlfcn.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Open MPI's handles are pointers to its predefined objects; MPI_IN_PLACE is (void *)1 and MPI_STATUS_IGNORE
   is NULL in its mpi.h. Every MPI function returns MPI_SUCCESS (0) or an error class. */
typedef void *handle_t;
#define CMPI_IN_PLACE ((void *)1)

static struct {
    int (*init)(int *, char ***);
    int (*finalize)(void);
    int (*comm_rank)(handle_t, int *);
    int (*comm_size)(handle_t, int *);
    int (*allreduce)(const void *, void *, int, handle_t, handle_t, handle_t);
    int (*bcast)(void *, int, handle_t, int, handle_t);
    int (*allgather)(const void *, int, handle_t, void *, int, handle_t, handle_t);
    int (*allgatherv)(const void *, int, handle_t, void *, const int *, const int *, handle_t, handle_t);
    int (*barrier)(handle_t);
    int (*abort)(handle_t, int);
    double (*wtime)(void);
    handle_t world, float_type, double_type, byte_type, int_type, op_sum, op_max;
} mpi;

static int initialized = 0, finalized = 0, world_rank = 0, world_size = 1;

static void *need(void *library, const char *name, int *missing, char *error, int capacity) {
    void *symbol = dlsym(library, name);
    if (!symbol && !*missing) {
        *missing = 1;
        snprintf(error, (size_t)capacity, "libmpi has no symbol %s (TinyAlign needs Open MPI 4 or later)", name);
    }
    return symbol;
}

int cmpi_init(const char *name, char *error, int capacity) {
    if (initialized) return 0;
    /* RTLD_GLOBAL: Open MPI's own plugins (mca_*.so) resolve their symbols against libmpi and libopen-pal. */
    void *library = dlopen(name ? name : "libmpi.so.40", RTLD_NOW | RTLD_GLOBAL);
    if (!library && !name) library = dlopen("libmpi.so", RTLD_NOW | RTLD_GLOBAL);
    if (!library) {
        const char *why = dlerror();
        snprintf(error, (size_t)capacity, "Open MPI's library cannot be loaded (%s); install it with "
                 "`apt-get install openmpi-bin libopenmpi-dev` (or `make setup`)", why ? why : "libmpi.so.40 not found");
        return 1;
    }
    int missing = 0;
    *(void **)&mpi.init = need(library, "MPI_Init", &missing, error, capacity);
    *(void **)&mpi.finalize = need(library, "MPI_Finalize", &missing, error, capacity);
    *(void **)&mpi.comm_rank = need(library, "MPI_Comm_rank", &missing, error, capacity);
    *(void **)&mpi.comm_size = need(library, "MPI_Comm_size", &missing, error, capacity);
    *(void **)&mpi.allreduce = need(library, "MPI_Allreduce", &missing, error, capacity);
    *(void **)&mpi.bcast = need(library, "MPI_Bcast", &missing, error, capacity);
    *(void **)&mpi.allgather = need(library, "MPI_Allgather", &missing, error, capacity);
    *(void **)&mpi.allgatherv = need(library, "MPI_Allgatherv", &missing, error, capacity);
    *(void **)&mpi.barrier = need(library, "MPI_Barrier", &missing, error, capacity);
    *(void **)&mpi.abort = need(library, "MPI_Abort", &missing, error, capacity);
    *(void **)&mpi.wtime = need(library, "MPI_Wtime", &missing, error, capacity);
    mpi.world = need(library, "ompi_mpi_comm_world", &missing, error, capacity);
    mpi.float_type = need(library, "ompi_mpi_float", &missing, error, capacity);
    mpi.double_type = need(library, "ompi_mpi_double", &missing, error, capacity);
    mpi.byte_type = need(library, "ompi_mpi_byte", &missing, error, capacity);
    mpi.int_type = need(library, "ompi_mpi_int", &missing, error, capacity);
    mpi.op_sum = need(library, "ompi_mpi_op_sum", &missing, error, capacity);
    mpi.op_max = need(library, "ompi_mpi_op_max", &missing, error, capacity);
    if (missing) return 1;
    if (mpi.init(NULL, NULL) != 0) {
        snprintf(error, (size_t)capacity, "MPI_Init failed");
        return 1;
    }
    mpi.comm_rank(mpi.world, &world_rank);
    mpi.comm_size(mpi.world, &world_size);
    initialized = 1;
    return 0;
}

int cmpi_is_initialized(void) { return initialized && !finalized; }
int cmpi_rank(void) { return world_rank; }
int cmpi_size(void) { return world_size; }

int cmpi_allreduce_sum_float(float *buffer, long count) {
    while (count > 0) {
        int piece = count > INT_MAX / 2 ? INT_MAX / 2 : (int)count;
        int rc = mpi.allreduce(CMPI_IN_PLACE, buffer, piece, mpi.float_type, mpi.op_sum, mpi.world);
        if (rc != 0) return rc;
        buffer += piece;
        count -= piece;
    }
    return 0;
}

int cmpi_allreduce_sum_double(double *buffer, int count) {
    return mpi.allreduce(CMPI_IN_PLACE, buffer, count, mpi.double_type, mpi.op_sum, mpi.world);
}

int cmpi_allreduce_max_double(double *buffer, int count) {
    return mpi.allreduce(CMPI_IN_PLACE, buffer, count, mpi.double_type, mpi.op_max, mpi.world);
}

int cmpi_broadcast_bytes(void *buffer, int count, int root) {
    return mpi.bcast(buffer, count, mpi.byte_type, root, mpi.world);
}

int cmpi_allgatherv_float(const float *send, int count, float *receive, const int *counts, const int *displacements) {
    return mpi.allgatherv(send, count, mpi.float_type, receive, counts, displacements, mpi.float_type, mpi.world);
}

int cmpi_allgather_int(int value, int *receive) {
    return mpi.allgather(&value, 1, mpi.int_type, receive, 1, mpi.int_type, mpi.world);
}

int cmpi_barrier(void) { return mpi.barrier(mpi.world); }

int cmpi_finalize(void) {
    if (!initialized || finalized) return 0;
    finalized = 1;
    return mpi.finalize();
}

void cmpi_abort(int code) {
    if (initialized && !finalized) mpi.abort(mpi.world, code);
    _exit(code);
}

double cmpi_wtime(void) { return initialized ? mpi.wtime() : 0; }

/* Two buffers so a new message is never half-copied while the handler reads the other. */
static char stop_messages[2][1024];
static volatile sig_atomic_t stop_current = 0;

void cmpi_set_stop_message(const char *message) {
    int next = 1 - stop_current;
    snprintf(stop_messages[next], sizeof stop_messages[next], "%s\n", message);
    stop_current = next;
}

static void stop_handler(int signal_number) {
    const char *message = stop_messages[stop_current];
    ssize_t ignored = write(STDERR_FILENO, message, strlen(message));
    (void)ignored;
    _exit(128 + signal_number);
}

void cmpi_install_stop_handler(const char *message) {
    cmpi_set_stop_message(message);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = stop_handler;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
}
