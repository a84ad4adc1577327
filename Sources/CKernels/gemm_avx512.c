/* SGEMM micro-kernel for AVX-512F: a 12 x 32 tile of C in 24 zmm accumulators. Per k step it loads two
   vectors of the packed B sliver and broadcasts 12 values of the packed A panel (folded into the FMAs as
   {1to16} memory operands), so 24 FMAs cost 14 loads: the two FMA ports, not the load ports, set the pace.
   The loops and packing come from gemm_driver.h. Every function here is compiled for AVX-512 only through the
   target attribute below, so the package still builds for (and runs on) CPUs without it. */

#include "ckernels.h"
#include "gemm_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

int ck_has_avx512f(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)

#define MR CK_AVX512_MR
#define NR CK_AVX512_NR

#define ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

static inline void store_row(float *c, __m512 lo, __m512 hi, __m512 va, __m512 vb, int betaZero) {
    if (betaZero) {
        _mm512_storeu_ps(c, _mm512_mul_ps(lo, va));
        _mm512_storeu_ps(c + 16, _mm512_mul_ps(hi, va));
    } else {
        _mm512_storeu_ps(c, _mm512_fmadd_ps(lo, va, _mm512_mul_ps(_mm512_loadu_ps(c), vb)));
        _mm512_storeu_ps(c + 16, _mm512_fmadd_ps(hi, va, _mm512_mul_ps(_mm512_loadu_ps(c + 16), vb)));
    }
}

/* ap: MR x kc packed A panel, bp: kc x NR packed B sliver; writes the mr x nr corner of the tile into C. */
static void kernel_12x32(long kc, const float *restrict ap, const float *restrict bp, float *restrict c, long ldc,
                         float alpha, float beta, int mr, int nr) {
#define DECL(i) __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = _mm512_setzero_ps();
    ROWS(DECL)
#undef DECL
    for (int i = 0; i < mr; i++) _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0),
                                 _mm_prefetch((const char *)(c + i * ldc + 16), _MM_HINT_T0);
#define STEP(i) { __m512 ai = _mm512_set1_ps(ap[i]); c##i##0 = _mm512_fmadd_ps(ai, b0, c##i##0); \
                  c##i##1 = _mm512_fmadd_ps(ai, b1, c##i##1); }
    long p = 0;
    for (; p + 4 <= kc; p += 4) {
        _mm_prefetch((const char *)(ap + 8 * MR), _MM_HINT_T0);
        _mm_prefetch((const char *)(ap + 8 * MR + 16), _MM_HINT_T0);
        _mm_prefetch((const char *)(ap + 8 * MR + 32), _MM_HINT_T0);
        for (int u = 0; u < 4; u++) {
            __m512 b0 = _mm512_load_ps(bp), b1 = _mm512_load_ps(bp + 16);
            ROWS(STEP)
            ap += MR; bp += NR;
        }
    }
    for (; p < kc; p++) {
        __m512 b0 = _mm512_load_ps(bp), b1 = _mm512_load_ps(bp + 16);
        ROWS(STEP)
        ap += MR; bp += NR;
    }
#undef STEP
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    int betaZero = beta == 0;
    if (mr == MR && nr == NR) {
#define STORE(i) store_row(c + i * ldc, c##i##0, c##i##1, va, vb, betaZero);
        ROWS(STORE)
#undef STORE
        return;
    }
    /* Edge tile: columns by mask, rows by count. */
    __mmask16 m0 = nr >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1);
    __mmask16 m1 = nr >= 32 ? (__mmask16)0xFFFF : nr > 16 ? (__mmask16)((1u << (nr - 16)) - 1) : 0;
#define STORE(i) if (i < mr) { float *r = c + i * ldc; \
        __m512 lo = _mm512_mul_ps(c##i##0, va), hi = _mm512_mul_ps(c##i##1, va); \
        if (!betaZero) { lo = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m0, r), vb, lo); \
                         hi = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m1, r + 16), vb, hi); } \
        _mm512_mask_storeu_ps(r, m0, lo); _mm512_mask_storeu_ps(r + 16, m1, hi); }
    ROWS(STORE)
#undef STORE
}

/* In-register transpose of a 16 x 16 block: r[i] holds row i on entry, column i on return. Three rounds of
   shuffles: pairs of rows interleaved within 128-bit lanes, then groups of four, then the 128-bit lanes. */
static inline void transpose16x16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        r[4 * i + 0] = _mm512_shuffle_ps(t[4 * i + 0], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i + 0], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    /* Now lane L of r[4i + c] holds rows 4i..4i+3 of column 4L + c. */
    __m512 out[16];
    for (int c = 0; c < 4; c++) {
        __m512 a = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88), b = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xDD);
        __m512 e = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88), f = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xDD);
        out[c] = _mm512_shuffle_f32x4(a, e, 0x88);
        out[8 + c] = _mm512_shuffle_f32x4(a, e, 0xDD);
        out[4 + c] = _mm512_shuffle_f32x4(b, f, 0x88);
        out[12 + c] = _mm512_shuffle_f32x4(b, f, 0xDD);
    }
    for (int i = 0; i < 16; i++) r[i] = out[i];
}

/* 16 k of a full 12-row A panel from row-major A (op(A)(i, p) = a[i * lda + p]) into d[p * 12 + i]. */
static inline void pack_a_rows_by16(const float *a, long lda, float *d) {
    __m512 r[16];
    for (int i = 0; i < MR; i++) r[i] = _mm512_loadu_ps(a + i * lda);
    for (int i = MR; i < 16; i++) r[i] = _mm512_setzero_ps();
    transpose16x16(r);
    for (int p = 0; p < 16; p++) _mm512_mask_storeu_ps(d + p * MR, (__mmask16)((1u << MR) - 1), r[p]);
}

/* 16 k of a full 32-column B sliver from B stored n x k (op(B)(p, j) = b[j * ldb + p]) into d[p * 32 + j]. */
static inline void pack_b_cols_by16(const float *b, long ldb, float *d) {
    for (int half = 0; half < 2; half++) {
        __m512 r[16];
        for (int j = 0; j < 16; j++) r[j] = _mm512_loadu_ps(b + (half * 16 + j) * ldb);
        transpose16x16(r);
        for (int p = 0; p < 16; p++) _mm512_store_ps(d + p * NR + half * 16, r[p]);
    }
}

#define GEMM_PACK_A_BY16 pack_a_rows_by16
#define GEMM_PACK_B_BY16 pack_b_cols_by16

#define GEMM_MR MR
#define GEMM_NR NR
#define GEMM_MC 240
#define GEMM_KC 256
#define GEMM_NC 3072
#define GEMM_KERNEL kernel_12x32
#define GEMM_SERIAL ck_gemm_serial_avx512
#include "gemm_driver.h"

#pragma clang attribute pop

#else
int ck_has_avx512f(void) { return 0; }
void ck_gemm_serial_avx512(int transA, int transB, long m, long n, long k, float alpha,
                           const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc) {
    (void)transA; (void)transB; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda; (void)b; (void)ldb;
    (void)beta; (void)c; (void)ldc;
}
#endif
