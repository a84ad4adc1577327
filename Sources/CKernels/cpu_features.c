/* Whether this CPU has AVX2 + FMA, the floor of every `_avx2` kernel (ck_has_avx512f lives with the AVX-512
   SGEMM it gates). The GELU kernels that first lived here are in gelu_lanes.h, at both widths. */
#include "ckernels.h"

#if defined(__x86_64__) || defined(__i386__)
int ck_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
/* Not x86: never report AVX2, so no `_avx2` kernel is ever called. */
int ck_has_avx2_fma(void) { return 0; }
#endif
