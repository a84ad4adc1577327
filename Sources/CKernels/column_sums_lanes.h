/* Column sums of a row-major matrix, out[j] = sum over r of m[r * ld + j] for j < n: a linear layer's bias
   gradient (the sum of dy over every row). Written in lanes (vector_lanes.h) and compiled as
   ck_column_sums_avx512 and _avx2 by row_kernels.c. Four vectors of columns are summed in registers down all the
   rows before they are stored, so `out` is written once rather than read and written per row as the Swift loop
   does; each column still adds its rows in order 0, 1, ..., so both paths give the same bits. No include guard:
   included once per width. */

/* m: (rows, ld) with n <= ld columns summed; out: (n) */
CK_TARGET void CK_KERNEL(ck_column_sums)(const float *m, long rows, long ld, long n, float *out) {
    long j = 0;
    for (; j + 4 * CK_W <= n; j += 4 * CK_W) {
        VF s0 = V(zero)(), s1 = V(zero)(), s2 = V(zero)(), s3 = V(zero)();
        VM k = V(tail)(CK_W);
        for (long r = 0; r < rows; r++) {
            const float *row = m + r * ld + j;
            s0 = V(add)(s0, V(load)(row, k, CK_W));
            s1 = V(add)(s1, V(load)(row + CK_W, k, CK_W));
            s2 = V(add)(s2, V(load)(row + 2 * CK_W, k, CK_W));
            s3 = V(add)(s3, V(load)(row + 3 * CK_W, k, CK_W));
        }
        V(store)(out + j, k, CK_W, s0);
        V(store)(out + j + CK_W, k, CK_W, s1);
        V(store)(out + j + 2 * CK_W, k, CK_W, s2);
        V(store)(out + j + 3 * CK_W, k, CK_W, s3);
    }
    for (; j < n; j += CK_W) {
        VM k = V(tail)(n - j);
        VF s = V(zero)();
        for (long r = 0; r < rows; r++) s = V(add)(s, V(load)(m + r * ld + j, k, n - j));
        V(store)(out + j, k, n - j, s);
    }
}
