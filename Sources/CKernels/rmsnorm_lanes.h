/* RMSNorm rows, forward and backward (the Llama family's norm; the Swift loops compile to 4-wide SSE), written in
   lanes (vector_lanes.h) and compiled as ck_rmsnorm_*_row_avx512 and _avx2 by row_kernels.c. One row per call;
   the Swift side splits rows over the cores and owns the dweight partials. `offset` is 1 for Gemma's (1 + w).
   No include guard: included once per width. */

/* y = x rstd (w + offset); returns rstd = 1 / sqrt(mean(x^2) + eps).  x, w, y: (c) */
CK_TARGET float CK_KERNEL(ck_rmsnorm_forward_row)(const float *x, const float *w, float offset, float eps, float *y,
                                                  long c) {
    VF acc = V(zero)();
    for (long j = 0; j < c; j += CK_W) {
        VF v = V(load)(x + j, V(tail)(c - j), c - j);
        acc = V(fmadd)(v, v, acc);
    }
    float rstd = 1.0f / __builtin_sqrtf(V(hsum)(acc) / (float)c + eps);
    const VF vr = V(splat)(rstd), vo = V(splat)(offset);
    for (long j = 0; j < c; j += CK_W) {
        VM k = V(tail)(c - j);
        VF v = V(load)(x + j, k, c - j), wv = V(add)(V(load)(w + j, k, c - j), vo);
        V(store)(y + j, k, c - j, V(mul)(V(mul)(v, vr), wv));
    }
    return rstd;
}

/* dx = rstd ((w + offset) dy - n mean((w + offset) dy n)) with n = x rstd; dw += dy n.  dy, x, w, dx, dw: (c) */
CK_TARGET void CK_KERNEL(ck_rmsnorm_backward_row)(const float *dy, const float *x, const float *w, float offset,
                                                  float rstd, float *dx, float *dw, long c) {
    const VF vs = V(splat)(rstd), vo = V(splat)(offset);
    VF acc = V(zero)();
    /* first pass: the sum of (w dy) n, and dweight += dy n */
    for (long j = 0; j < c; j += CK_W) {
        VM k = V(tail)(c - j);
        VF g = V(load)(dy + j, k, c - j), n = V(mul)(V(load)(x + j, k, c - j), vs);
        VF wv = V(add)(V(load)(w + j, k, c - j), vo);
        acc = V(fmadd)(V(mul)(wv, g), n, acc);
        V(store)(dw + j, k, c - j, V(fmadd)(g, n, V(load)(dw + j, k, c - j)));
    }
    const VF mean = V(splat)(V(hsum)(acc) / (float)c);
    for (long j = 0; j < c; j += CK_W) {
        VM k = V(tail)(c - j);
        VF g = V(load)(dy + j, k, c - j), n = V(mul)(V(load)(x + j, k, c - j), vs);
        VF wv = V(add)(V(load)(w + j, k, c - j), vo);
        V(store)(dx + j, k, c - j, V(mul)(vs, V(fnmadd)(n, mean, V(mul)(wv, g))));
    }
}
