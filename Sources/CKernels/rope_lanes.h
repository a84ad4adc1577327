/* Rotary position embedding (rotate-half) of one row of H heads: y1 = x1 cos - x2 sin, y2 = x2 cos + x1 sin per
   pair, sin negated (sign = -1) for the backward. Written in lanes (vector_lanes.h) and compiled as
   ck_rope_row_avx512 and _avx2 by row_kernels.c; the Swift loop compiles to 4-wide SSE. No include guard:
   included once per width. */

/* x, y: (heads, headDim); cos, sin: (headDim / 2) */
CK_TARGET void CK_KERNEL(ck_rope_row)(const float *x, float *y, const float *cos, const float *sin, long heads,
                                      long headDim, float sign) {
    const long half = headDim / 2;
    const VF vsign = V(splat)(sign);
    for (long i = 0; i < half; i += CK_W) {
        VM k = V(tail)(half - i);
        VF c = V(load)(cos + i, k, half - i), s = V(mul)(vsign, V(load)(sin + i, k, half - i));
        for (long h = 0; h < heads; h++) {
            const float *a = x + h * headDim;
            float *b = y + h * headDim;
            VF x1 = V(load)(a + i, k, half - i), x2 = V(load)(a + i + half, k, half - i);
            V(store)(b + i, k, half - i, V(fmsub)(x1, c, V(mul)(x2, s)));
            V(store)(b + i + half, k, half - i, V(fmadd)(x2, c, V(mul)(x1, s)));
        }
    }
}
