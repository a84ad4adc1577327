/* The cache-blocked GEMM loops and the panel packing, written once and included by each ISA file
   (gemm_avx512.c, gemm_avx2.c) after it defines:
     GEMM_MR, GEMM_NR          micro-tile: rows x columns of C held in registers
     GEMM_MC, GEMM_KC, GEMM_NC block sizes: an MC x KC block of A stays in L2, a KC x NR sliver of B in L1,
                               a KC x NC panel of B in L3
     GEMM_KERNEL               static void kernel(long kc, const float *ap, const float *bp, float *c, long ldc,
                                                  float alpha, float beta, int mr, int nr)
     GEMM_SERIAL               the exported one-thread entry (see gemm_internal.h)
   and optionally, for the two transposing packs of full panels, 16 k at a time in registers:
     GEMM_PACK_A_BY16(a, lda, d)  GEMM_MR rows of row-major A -> d[p * GEMM_MR + i], p < 16
     GEMM_PACK_B_BY16(b, ldb, d)  GEMM_NR rows of B stored n x k -> d[p * GEMM_NR + j], p < 16
   The including file wraps this in its `#pragma clang attribute` target region, so the packing loops are
   vectorised for the same ISA as the kernel.

   Packed layouts (both zero-padded to whole tiles, so the kernel never branches on edges):
     A block  (mc x kc): panels of GEMM_MR rows; panel r holds, for each k, its GEMM_MR values contiguous.
     B panel  (kc x nc): slivers of GEMM_NR columns; sliver s holds, for each k, its GEMM_NR values contiguous. */

#include <stdlib.h>
#include <string.h>

/* Per-thread packing buffers, grown on demand and kept for the thread's lifetime (a few MB at most). */
static __thread float *gemm_apack, *gemm_bpack;
static __thread size_t gemm_acap, gemm_bcap;

static float *gemm_buffer(float **buf, size_t *cap, size_t count) {
    if (count > *cap) {
        free(*buf);
        size_t bytes = (count * sizeof(float) + 63) & ~(size_t)63;
        *buf = (float *)aligned_alloc(64, bytes);
        *cap = *buf ? count : 0;
    }
    return *buf;
}

/* op(A) rows [0, mc), columns [0, kc) from `a` (already at the block's corner) into GEMM_MR-row panels. */
static void gemm_pack_a(int trans, long mc, long kc, const float *restrict a, long lda, float *restrict dst) {
    for (long ir = 0; ir < mc; ir += GEMM_MR) {
        long mr = mc - ir < GEMM_MR ? mc - ir : GEMM_MR;
        float *restrict d = dst + ir * kc;
        if (trans) {
            /* op(A)(i, p) = a[p * lda + i]: each k is a contiguous run of mr values. */
            const float *s = a + ir;
            if (mr == GEMM_MR) {
                for (long p = 0; p < kc; p++) memcpy(d + p * GEMM_MR, s + p * lda, GEMM_MR * sizeof(float));
            } else {
                for (long p = 0; p < kc; p++) {
                    long i = 0;
                    for (; i < mr; i++) d[p * GEMM_MR + i] = s[p * lda + i];
                    for (; i < GEMM_MR; i++) d[p * GEMM_MR + i] = 0;
                }
            }
        } else {
            /* op(A)(i, p) = a[i * lda + p]: a transpose; each row is read once, front to back. */
            const float *s = a + ir * lda;
            if (mr == GEMM_MR) {
                long p0 = 0;
#ifdef GEMM_PACK_A_BY16
                for (; p0 + 16 <= kc; p0 += 16) GEMM_PACK_A_BY16(s + p0, lda, d + p0 * GEMM_MR);
#endif
                for (; p0 < kc; p0 += 16) {
                    long pe = p0 + 16 < kc ? p0 + 16 : kc;
                    for (long i = 0; i < GEMM_MR; i++) {
                        const float *row = s + i * lda;
                        for (long p = p0; p < pe; p++) d[p * GEMM_MR + i] = row[p];
                    }
                }
            } else {
                for (long p = 0; p < kc; p++) {
                    long i = 0;
                    for (; i < mr; i++) d[p * GEMM_MR + i] = s[i * lda + p];
                    for (; i < GEMM_MR; i++) d[p * GEMM_MR + i] = 0;
                }
            }
        }
    }
}

/* op(B) rows [0, kc), columns [0, nc) from `b` (already at the panel's corner) into GEMM_NR-column slivers. */
static void gemm_pack_b(int trans, long kc, long nc, const float *restrict b, long ldb, float *restrict dst) {
    for (long jr = 0; jr < nc; jr += GEMM_NR) {
        long nr = nc - jr < GEMM_NR ? nc - jr : GEMM_NR;
        float *restrict d = dst + jr * kc;
        if (!trans) {
            /* op(B)(p, j) = b[p * ldb + j]: each k is a contiguous run of nr values. */
            const float *s = b + jr;
            if (nr == GEMM_NR) {
                for (long p = 0; p < kc; p++) memcpy(d + p * GEMM_NR, s + p * ldb, GEMM_NR * sizeof(float));
            } else {
                for (long p = 0; p < kc; p++) {
                    long j = 0;
                    for (; j < nr; j++) d[p * GEMM_NR + j] = s[p * ldb + j];
                    for (; j < GEMM_NR; j++) d[p * GEMM_NR + j] = 0;
                }
            }
        } else {
            /* op(B)(p, j) = b[j * ldb + p]: a transpose, in chunks of 16 k so the written lines stay in L1. */
            const float *s = b + jr * ldb;
            long p0 = 0;
#ifdef GEMM_PACK_B_BY16
            if (nr == GEMM_NR)
                for (; p0 + 16 <= kc; p0 += 16) GEMM_PACK_B_BY16(s + p0, ldb, d + p0 * GEMM_NR);
#endif
            for (; p0 < kc; p0 += 16) {
                long pe = p0 + 16 < kc ? p0 + 16 : kc;
                long j = 0;
                for (; j < nr; j++) {
                    const float *row = s + j * ldb;
                    for (long p = p0; p < pe; p++) d[p * GEMM_NR + j] = row[p];
                }
                for (; j < GEMM_NR; j++)
                    for (long p = p0; p < pe; p++) d[p * GEMM_NR + j] = 0;
            }
        }
    }
}

/* C = beta·C on an m x n block, without reading C when beta is 0 (so NaNs in an uninitialised C vanish). */
static void gemm_scale_c(long m, long n, float beta, float *c, long ldc) {
    for (long i = 0; i < m; i++) {
        float *row = c + i * ldc;
        if (beta == 0) memset(row, 0, (size_t)n * sizeof(float));
        else if (beta != 1) for (long j = 0; j < n; j++) row[j] *= beta;
    }
}

void GEMM_SERIAL(int transA, int transB, long m, long n, long k, float alpha,
                 const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc) {
    if (k <= 0 || alpha == 0) { gemm_scale_c(m, n, beta, c, ldc); return; }
    long kcMax = k < GEMM_KC ? k : GEMM_KC;
    long mcMax = m < GEMM_MC ? m : GEMM_MC;
    long ncMax = n < GEMM_NC ? n : GEMM_NC;
    long mcPad = (mcMax + GEMM_MR - 1) / GEMM_MR * GEMM_MR;
    long ncPad = (ncMax + GEMM_NR - 1) / GEMM_NR * GEMM_NR;
    float *ap = gemm_buffer(&gemm_apack, &gemm_acap, (size_t)(mcPad * kcMax));
    float *bp = gemm_buffer(&gemm_bpack, &gemm_bcap, (size_t)(ncPad * kcMax));
    if (!ap || !bp) abort(); /* a few MB could not be allocated: nothing sensible is left to do */

    for (long jc = 0; jc < n; jc += GEMM_NC) {
        long nc = n - jc < GEMM_NC ? n - jc : GEMM_NC;
        for (long pc = 0; pc < k; pc += GEMM_KC) {
            long kc = k - pc < GEMM_KC ? k - pc : GEMM_KC;
            /* Only the first k block applies the caller's beta; later ones accumulate onto it. */
            float betaBlock = pc == 0 ? beta : 1.0f;
            gemm_pack_b(transB, kc, nc, transB ? b + jc * ldb + pc : b + pc * ldb + jc, ldb, bp);
            for (long ic = 0; ic < m; ic += GEMM_MC) {
                long mc = m - ic < GEMM_MC ? m - ic : GEMM_MC;
                gemm_pack_a(transA, mc, kc, transA ? a + pc * lda + ic : a + ic * lda + pc, lda, ap);
                for (long jr = 0; jr < nc; jr += GEMM_NR) {
                    int nr = (int)(nc - jr < GEMM_NR ? nc - jr : GEMM_NR);
                    for (long ir = 0; ir < mc; ir += GEMM_MR) {
                        int mr = (int)(mc - ir < GEMM_MR ? mc - ir : GEMM_MR);
                        GEMM_KERNEL(kc, ap + ir * kc, bp + jr * kc, c + (ic + ir) * ldc + jc + jr, ldc,
                                    alpha, betaBlock, mr, nr);
                    }
                }
            }
        }
    }
}
