/* LoRA's rank-r products (see include/lowrank_kernels.h), written in lanes (vector_lanes.h) and compiled as
   ck_lowrank_*_avx512 and _avx2 by lowrank_kernels.c. No include guard: included once per width.

   Why not SGEMM: h = x·Aᵀ for x (rows, in) has N = r = 16. A packed GEMM copies x into panels before it
   multiplies, and with only r products per element of x that copy costs as much as the arithmetic (our GEMM ran
   these at 9–35 GFLOP/s in a smollm2-135m DPO step against ~150 for the layer's own product; OpenBLAS needs
   N >= 32 for its wide kernels). Here the r lanes of one vector hold a row of the result: one pass over x, the
   rank-r matrix (in·r floats, 37 KB at 576 × 16) read from L1/L2 for every block of rows.

   Each block keeps its accumulators in registers: CK_LR_ROWS rows of the result (project, expand) or
   CK_LR_COLS rows of it (reduce), one chunk of CK_W lanes of r at a time (a masked tail when r is not a
   multiple). The helpers are always inlined with a constant count in the main loop, so the arrays of vectors
   are registers; the tail call (fewer rows) runs the same code. */

#if CK_W == 16
#define CK_LR_ROWS 8
#define CK_LR_ROWS2 8
#define CK_LR_COLS 16
#else
#define CK_LR_ROWS 8
#define CK_LR_ROWS2 6
#define CK_LR_COLS 8
#endif

/* nr rows of out[.., c0 ..< c0 + lanes] = alpha · in · m */
CK_INLINE void CK_LOCAL(ck_lowrank_project_rows)(const float *in, long ld_in, const float *m, long k, long r, VM mask,
                                                 long left, float alpha, float *out, long nr) {
    VF acc[CK_LR_ROWS];
    for (long j = 0; j < nr; j++) acc[j] = V(zero)();
    for (long p = 0; p < k; p++) {
        VF mv = V(load)(m + p * r, mask, left);
        for (long j = 0; j < nr; j++) acc[j] = V(fmadd)(V(splat)(in[j * ld_in + p]), mv, acc[j]);
    }
    const VF a = V(splat)(alpha);
    for (long j = 0; j < nr; j++) V(store)(out + j * r, mask, left, V(mul)(a, acc[j]));
}

/* nr rows of out[.., c0 ..< c0 + CK_W + left1] = alpha · in · m, two vectors of r per row: each element of `in`
   feeds two FMAs, so one pass over the rows serves 2·CK_W lanes of r. With one vector per row (AVX2 at r = 16) the
   loads of `in` outnumbered the FMAs and the rows were read once per chunk: 57 against 103 GFLOP/s for the reduce. */
CK_INLINE void CK_LOCAL(ck_lowrank_project_rows2)(const float *in, long ld_in, const float *m, long k, long r, VM mask1,
                                                  long left1, float alpha, float *out, long nr) {
    const VM whole = V(tail)(CK_W);
    VF acc0[CK_LR_ROWS2], acc1[CK_LR_ROWS2];
    for (long j = 0; j < nr; j++) acc0[j] = acc1[j] = V(zero)();
    for (long p = 0; p < k; p++) {
        VF m0 = V(load)(m + p * r, whole, CK_W), m1 = V(load)(m + p * r + CK_W, mask1, left1);
        for (long j = 0; j < nr; j++) {
            VF xv = V(splat)(in[j * ld_in + p]);
            acc0[j] = V(fmadd)(xv, m0, acc0[j]);
            acc1[j] = V(fmadd)(xv, m1, acc1[j]);
        }
    }
    const VF a = V(splat)(alpha);
    for (long j = 0; j < nr; j++) {
        V(store)(out + j * r, whole, CK_W, V(mul)(a, acc0[j]));
        V(store)(out + j * r + CK_W, mask1, left1, V(mul)(a, acc1[j]));
    }
}

CK_TARGET void CK_KERNEL(ck_lowrank_project)(const float *in, long ld_in, const float *m, long k, long r, float alpha,
                                             float *out, long rows) {
    long c0 = 0;
    for (; r - c0 > CK_W; c0 += 2 * CK_W) {
        VM mask1 = V(tail)(r - c0 - CK_W);
        long i = 0;
        for (; i + CK_LR_ROWS2 <= rows; i += CK_LR_ROWS2)
            CK_LOCAL(ck_lowrank_project_rows2)(in + i * ld_in, ld_in, m + c0, k, r, mask1, r - c0 - CK_W, alpha,
                                               out + i * r + c0, CK_LR_ROWS2);
        if (i < rows)
            CK_LOCAL(ck_lowrank_project_rows2)(in + i * ld_in, ld_in, m + c0, k, r, mask1, r - c0 - CK_W, alpha,
                                               out + i * r + c0, rows - i);
    }
    for (; c0 < r; c0 += CK_W) {
        VM mask = V(tail)(r - c0);
        long i = 0;
        for (; i + CK_LR_ROWS <= rows; i += CK_LR_ROWS)
            CK_LOCAL(ck_lowrank_project_rows)(in + i * ld_in, ld_in, m + c0, k, r, mask, r - c0, alpha, out + i * r + c0,
                                              CK_LR_ROWS);
        if (i < rows)
            CK_LOCAL(ck_lowrank_project_rows)(in + i * ld_in, ld_in, m + c0, k, r, mask, r - c0, alpha, out + i * r + c0,
                                              rows - i);
    }
}

/* The reduce keeps the partial sums of a span of columns (span · r floats, at most CK_LR_SCRATCH: 32 KB, in L1)
   while bands of CK_LR_BAND rows stream past, each band read as CK_LR_BAND sequential streams. Walking each column
   block down all the rows instead (one strip of 64 bytes per row, rows 2–6 KB apart) left the prefetchers nothing to
   follow: it ran at 2–3 GB/s, slower than SGEMM. */
#define CK_LR_BAND 16
#define CK_LR_SCRATCH 8192

/* nq rows of sums[.., c0 ..< c0 + lanes] (row stride r) += Σ over the nb rows of in[row, q]·v[row, ..], starting from
   zero when `first`; when `last`, writes alpha · sums + beta · out to out instead (row stride r as well). */
CK_INLINE void CK_LOCAL(ck_lowrank_reduce_band)(const float *in, long ld_in, const float *v, long nb, long r, VM mask,
                                                long left, float *sums, int first, int last, float alpha, float beta,
                                                float *out, long nq) {
    VF acc[CK_LR_COLS];
    for (long j = 0; j < nq; j++) acc[j] = first ? V(zero)() : V(load)(sums + j * r, mask, left);
    for (long row = 0; row < nb; row++) {
        VF vv = V(load)(v + row * r, mask, left);
        const float *x = in + row * ld_in;
        for (long j = 0; j < nq; j++) acc[j] = V(fmadd)(V(splat)(x[j]), vv, acc[j]);
    }
    if (!last) {
        for (long j = 0; j < nq; j++) V(store)(sums + j * r, mask, left, acc[j]);
        return;
    }
    const VF a = V(splat)(alpha), b = V(splat)(beta);
    for (long j = 0; j < nq; j++) {
        VF y = V(mul)(a, acc[j]);
        if (beta != 0) y = V(fmadd)(b, V(load)(out + j * r, mask, left), y);
        V(store)(out + j * r, mask, left, y);
    }
}

CK_TARGET void CK_KERNEL(ck_lowrank_reduce)(const float *in, long ld_in, const float *v, long rows, long r, float alpha,
                                            float beta, float *out, long k) {
    float scratch[CK_LR_SCRATCH] __attribute__((aligned(64)));
    long span = CK_LR_SCRATCH / r / CK_LR_COLS * CK_LR_COLS;
    if (span < CK_LR_COLS) span = CK_LR_COLS;
    /* A rank too large for the scratch (r > CK_LR_SCRATCH / CK_LR_COLS) sums one band over all rows: no scratch. */
    const long band = span * r <= CK_LR_SCRATCH ? CK_LR_BAND : (rows > 0 ? rows : 1);
    for (long q0 = 0; q0 < k; q0 += span) {
        const long q1 = q0 + span < k ? q0 + span : k;
        for (long i = 0; i < rows || (rows == 0 && i == 0); i += band) {
            const long nb = rows - i < band ? rows - i : band;
            const int first = i == 0, last = i + band >= rows;
            for (long c0 = 0; c0 < r; c0 += CK_W) {
                VM mask = V(tail)(r - c0);
                long q = q0;
                for (; q + CK_LR_COLS <= q1; q += CK_LR_COLS)
                    CK_LOCAL(ck_lowrank_reduce_band)(in + i * ld_in + q, ld_in, v + i * r + c0, nb, r, mask, r - c0,
                                                     scratch + (q - q0) * r + c0, first, last, alpha, beta,
                                                     out + q * r + c0, CK_LR_COLS);
                if (q < q1)
                    CK_LOCAL(ck_lowrank_reduce_band)(in + i * ld_in + q, ld_in, v + i * r + c0, nb, r, mask, r - c0,
                                                     scratch + (q - q0) * r + c0, first, last, alpha, beta,
                                                     out + q * r + c0, q1 - q);
            }
        }
    }
}

#undef CK_LR_BAND
#undef CK_LR_SCRATCH

/* nr rows of out[.., c ..< c + lanes] = base + alpha · p · q */
CK_INLINE void CK_LOCAL(ck_lowrank_expand_rows)(const float *base, const float *p, const float *q, long r, float alpha,
                                                float *out, long n, long c, long nr) {
    VM mask = V(tail)(n - c);
    long left = n - c;
    VF acc[CK_LR_ROWS];
    for (long j = 0; j < nr; j++) acc[j] = V(zero)();
    for (long t = 0; t < r; t++) {
        VF qv = V(load)(q + t * n + c, mask, left);
        for (long j = 0; j < nr; j++) acc[j] = V(fmadd)(V(splat)(p[j * r + t]), qv, acc[j]);
    }
    const VF a = V(splat)(alpha);
    for (long j = 0; j < nr; j++) {
        VF y = base ? V(fmadd)(a, acc[j], V(load)(base + j * n + c, mask, left)) : V(mul)(a, acc[j]);
        V(store)(out + j * n + c, mask, left, y);
    }
}

CK_TARGET void CK_KERNEL(ck_lowrank_expand)(const float *base, const float *p, const float *q, long r, float alpha,
                                            float *out, long rows, long n) {
    long i = 0;
    for (; i + CK_LR_ROWS <= rows; i += CK_LR_ROWS)
        for (long c = 0; c < n; c += CK_W)
            CK_LOCAL(ck_lowrank_expand_rows)(base ? base + i * n : 0, p + i * r, q, r, alpha, out + i * n, n, c, CK_LR_ROWS);
    if (i < rows)
        for (long c = 0; c < n; c += CK_W)
            CK_LOCAL(ck_lowrank_expand_rows)(base ? base + i * n : 0, p + i * r, q, r, alpha, out + i * n, n, c, rows - i);
}

#undef CK_LR_ROWS
#undef CK_LR_ROWS2
#undef CK_LR_COLS
