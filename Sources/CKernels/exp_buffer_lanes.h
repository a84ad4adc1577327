/* The shared vector exp (vector_exp.h) over a buffer, so tests can sweep it against libm and benchmarks can time
   it alone; compiled as ck_exp_avx512 and ck_exp_avx2 by row_kernels.c. No include guard: once per width. */

/* x, y: (n) */
CK_TARGET void CK_KERNEL(ck_exp)(const float *x, float *y, long n) {
    for (long j = 0; j < n; j += CK_W) {
        VM k = V(tail)(n - j);
        V(store)(y + j, k, n - j, V(exp)(V(load)(x + j, k, n - j)));
    }
}
