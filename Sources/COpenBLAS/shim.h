// The one C header TinyAlign needs: OpenBLAS's CBLAS interface (cblas_sgemm, cblas_sgemv, …)
// and its thread-count controls.
#include <cblas.h>
