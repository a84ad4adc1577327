/* GELU in GPT-2's tanh form, y = x sigmoid(2u) with u = sqrt(2/pi) (x + 0.044715 x^3), forward and backward
   over flat buffers (the MLP of a GPT block), written in lanes (vector_lanes.h) and compiled as
   ck_gelu_*_avx512 and _avx2 by row_kernels.c. The operations are those of the first, AVX2-only kernel, in the
   same order, so both widths give the same bits; the tail is a masked vector where that kernel went through a
   zero-padded copy. No include guard: included once per width. */

/* s = sigmoid(2u) = 1 / (1 + e^(-2u)), from x and x^2. */
CK_INLINE VF CK_LOCAL(ck_gelu_sigmoid_2u)(VF x, VF x2) {
    VF inner = V(fmadd)(V(mul)(V(splat)(0.044715f), x2), x, x);
    VF e = V(exp)(V(mul)(V(splat)(-2.0f * 0.7978845608028654f), inner));
    return V(div)(V(splat)(1.0f), V(add)(V(splat)(1.0f), e));
}

/* x, y: (n) */
CK_TARGET void CK_KERNEL(ck_gelu_forward)(const float *x, float *y, long n) {
    for (long i = 0; i < n; i += CK_W) {
        VM k = V(tail)(n - i);
        VF v = V(load)(x + i, k, n - i);
        V(store)(y + i, k, n - i, V(mul)(v, CK_LOCAL(ck_gelu_sigmoid_2u)(v, V(mul)(v, v))));
    }
}

/* dx = dy (s + 2 x s (1 - s) u'), u' = sqrt(2/pi) (1 + 3 0.044715 x^2). x, dy, dx: (n) */
CK_TARGET void CK_KERNEL(ck_gelu_backward)(const float *x, const float *dy, float *dx, long n) {
    for (long i = 0; i < n; i += CK_W) {
        VM k = V(tail)(n - i);
        VF v = V(load)(x + i, k, n - i), g = V(load)(dy + i, k, n - i);
        VF x2 = V(mul)(v, v);
        VF s = CK_LOCAL(ck_gelu_sigmoid_2u)(v, x2);
        VF du = V(mul)(V(splat)(0.7978845608028654f), V(fmadd)(V(splat)(3.0f * 0.044715f), x2, V(splat)(1.0f)));
        VF twoXS = V(mul)(V(mul)(V(splat)(2.0f), v), s);
        VF slope = V(fmadd)(V(mul)(twoXS, V(sub)(V(splat)(1.0f), s)), du, s);
        V(store)(dx + i, k, n - i, V(mul)(g, slope));
    }
}
