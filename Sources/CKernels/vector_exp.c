/* The shared vector exp (vector_exp.h) over a buffer, so tests can sweep it against libm and benchmarks can
   time it on its own. */

#include "ckernels.h"

#if defined(__x86_64__)
#include "vector_exp.h"

__attribute__((target("avx512f"))) void ck_exp_avx512(const float *x, float *y, long n) {
    for (long j = 0; j < n; j += 16) {
        __mmask16 k = ck_tail16(n - j);
        _mm512_mask_storeu_ps(y + j, k, ck_exp16(_mm512_maskz_loadu_ps(k, x + j)));
    }
}

__attribute__((target("avx2,fma"))) void ck_exp_avx2(const float *x, float *y, long n) {
    for (long j = 0; j < n; j += 8) {
        __m256i k = ck_tail8(n - j);
        ck_store8(y + j, k, n - j, ck_exp8(ck_load8(x + j, k, n - j)));
    }
}

#else
void ck_exp_avx512(const float *x, float *y, long n) { (void)x; (void)y; (void)n; }
void ck_exp_avx2(const float *x, float *y, long n) { (void)x; (void)y; (void)n; }
#endif
