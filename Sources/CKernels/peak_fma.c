/* Register-only FMA loops for `tinyalign bench peak`: enough independent accumulators to cover the FMA
   latency on two ports (4 cycles x 2 ports needs >= 8 chains; 16 leaves slack), no memory traffic, so the
   rate is the core's FMA throughput. The result is returned so the loop cannot be optimised away.
   AVX2 has 16 ymm registers: 16 chains plus the two constants spilled a chain to the stack every iteration and
   measured half the peak on a Zen 3 (58 against 102 GFLOP/s a core with 12 chains, which fit). */

#include "ckernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define CHAINS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
#define CHAINS12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

__attribute__((target("avx512f"))) float ck_fma_loop_avx512(long iterations) {
    __m512 m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-7f);
#define DECL(i) __m512 v##i = _mm512_set1_ps(1.0f + (float)i * 1e-3f);
    CHAINS(DECL)
#undef DECL
    for (long it = 0; it < iterations; it++) {
#define STEP(i) v##i = _mm512_fmadd_ps(v##i, m, a);
        CHAINS(STEP)
#undef STEP
        __asm__ volatile("" ::: "memory");
    }
    __m512 s = _mm512_setzero_ps();
#define SUM(i) s = _mm512_add_ps(s, v##i);
    CHAINS(SUM)
#undef SUM
    return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) float ck_fma_loop_avx2(long iterations) {
    __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
#define DECL(i) __m256 v##i = _mm256_set1_ps(1.0f + (float)i * 1e-3f);
    CHAINS12(DECL)
#undef DECL
    for (long it = 0; it < iterations; it++) {
#define STEP(i) v##i = _mm256_fmadd_ps(v##i, m, a);
        CHAINS12(STEP)
#undef STEP
        __asm__ volatile("" ::: "memory");
    }
    __m256 s = _mm256_setzero_ps();
#define SUM(i) s = _mm256_add_ps(s, v##i);
    CHAINS12(SUM)
#undef SUM
    float out[8];
    _mm256_storeu_ps(out, s);
    return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}

#else
float ck_fma_loop_avx512(long iterations) { (void)iterations; return 0; }
float ck_fma_loop_avx2(long iterations) { (void)iterations; return 0; }
#endif
