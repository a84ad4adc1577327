/* The softmax inner loops of the fused attention kernels (CausalAttentionKernel, GroupedQueryAttentionKernel),
   written in lanes (vector_lanes.h) and compiled as ck_*_softmax_row_avx512 and _avx2 by row_kernels.c: a causal
   score row is softmaxed over its first `keys` entries (the keys the query may see) and zeroed up to `width`
   (into another row or in place); with segment ids, hidden keys get probability 0; backward, one row of dP
   becomes dS = P * (dP - <P, dP>) * scale (in place in the kernels). Rows are short (T <= a few hundred) and of
   every length, so tails use masked loads and stores rather than a scalar loop. One row per call: the Swift side
   already runs one (batch, head) pair per core. No include guard: included once per width. */

/* row[from..<to] = 0 */
CK_INLINE void CK_LOCAL(zero_range)(float *row, long from, long to) {
    for (long j = from; j < to; j += CK_W) V(store)(row + j, V(tail)(to - j), to - j, V(zero)());
}

/* Softmax of x[0..<keys] into y over the keys that `seen` lets the query see (all of them when seen is NULL),
   then zeros up to width.  x, y: (width); seen: (keys) segment ids or NULL */
CK_INLINE void CK_LOCAL(softmax_row)(const float *x, float *y, long keys, long width, const int *seen, int own) {
    const VF ninf = V(splat)(-__builtin_inff());
    VF vmax = ninf;
    for (long j = 0; j < keys; j += CK_W) {
        VM k = V(tail)(keys - j);
        if (seen) k = V(seen)(seen + j, k, own);
        vmax = V(max)(vmax, V(load_or)(ninf, k, x + j, keys - j));
    }
    const VF m = V(splat)(V(hmax)(vmax));
    VF sum = V(zero)();
    for (long j = 0; j < keys; j += CK_W) {
        VM tail = V(tail)(keys - j), k = seen ? V(seen)(seen + j, tail, own) : tail;
        VF e = V(keep)(k, V(exp)(V(sub)(V(load)(x + j, tail, keys - j), m)));
        sum = V(add)(sum, e);
        V(store)(y + j, tail, keys - j, e);
    }
    const VF inv = V(splat)(1.0f / V(hsum)(sum));
    for (long j = 0; j < keys; j += CK_W) {
        VM k = V(tail)(keys - j);
        V(store)(y + j, k, keys - j, V(mul)(V(load)(y + j, k, keys - j), inv));
    }
    CK_LOCAL(zero_range)(y, keys, width);
}

/* x, y: (width) */
CK_TARGET void CK_KERNEL(ck_causal_softmax_row)(const float *x, float *y, long keys, long width) {
    CK_LOCAL(softmax_row)(x, y, keys, width, 0, 0);
}

/* In place; seen: (keys) segment ids, 0 for the shared prompt; the query belongs to segment `own`. */
CK_TARGET void CK_KERNEL(ck_segment_softmax_row)(float *row, long keys, long width, const int *seen, int own) {
    CK_LOCAL(softmax_row)(row, row, keys, width, seen, own);
}

/* p, dp, ds: (width) */
CK_TARGET void CK_KERNEL(ck_attention_softmax_backward_row)(const float *p, const float *dp, float *ds, long keys,
                                                            long width, float scale) {
    VF acc = V(zero)();
    for (long j = 0; j < keys; j += CK_W) {
        VM k = V(tail)(keys - j);
        acc = V(fmadd)(V(load)(p + j, k, keys - j), V(load)(dp + j, k, keys - j), acc);
    }
    const VF dot = V(splat)(V(hsum)(acc)), vs = V(splat)(scale);
    for (long j = 0; j < keys; j += CK_W) {
        VM k = V(tail)(keys - j);
        VF pv = V(load)(p + j, k, keys - j), dv = V(load)(dp + j, k, keys - j);
        V(store)(ds + j, k, keys - j, V(mul)(V(mul)(pv, V(sub)(dv, dot)), vs));
    }
    CK_LOCAL(zero_range)(ds, keys, width);
}
