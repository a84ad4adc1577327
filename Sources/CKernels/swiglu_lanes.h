/* SwiGLU, out = silu(gate) * up, forward and backward over flat buffers: the gated MLP of the Llama family,
   written in lanes (vector_lanes.h) and compiled as ck_swiglu_*_avx512 and _avx2 by row_kernels.c. The Swift
   kernel (GatedActivationKernel with SiLUKernel) is compute-bound on its 4-wide exp; wide lanes and fused
   multiply-adds bring it to the memory's pace. The expressions are the Swift ones, operation for operation (only
   the exp's fused multiply-adds differ), so both paths agree to float rounding. No include guard: included once
   per width. */

/* gate, up, out: (n) */
CK_TARGET void CK_KERNEL(ck_swiglu_forward)(const float *gate, const float *up, float *out, long n) {
    const VF one = V(splat)(1.0f);
    for (long i = 0; i < n; i += CK_W) {
        VM k = V(tail)(n - i);
        VF g = V(load)(gate + i, k, n - i), u = V(load)(up + i, k, n - i);
        /* g / (1 + e^-g) * u */
        VF silu = V(div)(g, V(add)(one, V(exp)(V(sub)(V(zero)(), g))));
        V(store)(out + i, k, n - i, V(mul)(silu, u));
    }
}

/* dy, gate, up, dgate, dup: (n) */
CK_TARGET void CK_KERNEL(ck_swiglu_backward)(const float *dy, const float *gate, const float *up, float *dgate,
                                             float *dup, long n) {
    const VF one = V(splat)(1.0f);
    for (long i = 0; i < n; i += CK_W) {
        VM k = V(tail)(n - i);
        VF d = V(load)(dy + i, k, n - i), g = V(load)(gate + i, k, n - i), u = V(load)(up + i, k, n - i);
        VF denom = V(add)(one, V(exp)(V(sub)(V(zero)(), g)));
        VF s = V(div)(one, denom);
        /* d gate = (dy u) s (1 + g (1 - s)); d up = g / (1 + e^-g) * dy */
        VF slope = V(add)(one, V(mul)(g, V(sub)(one, s)));
        V(store)(dgate + i, k, n - i, V(mul)(V(mul)(V(mul)(d, u), s), slope));
        V(store)(dup + i, k, n - i, V(mul)(V(div)(g, denom), d));
    }
}
