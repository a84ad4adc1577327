/* The vectorised e^x, written once in lanes (vector_lanes.h) and compiled at CK_W = 16 and 8 by vector_exp.h,
   which says how it is computed and how exact it is. No include guard: included once per width. */

CK_INLINE VF V(exp)(VF x) {
    const VF lo = V(splat)(CK_EXP_LO), hi = V(splat)(CK_EXP_HI);
    const VF magic = V(splat)(12582912.0f); /* 1.5 * 2^23: adding it rounds to an integer */
    VF c = V(min)(hi, V(max)(lo, x));
    VF shifted = V(fmadd)(c, V(splat)(1.442695041f), magic);
    VF n = V(sub)(shifted, magic);
    VF r = V(fnmadd)(n, V(splat)(0.693359375f), c);
    r = V(fnmadd)(n, V(splat)(-2.12194440e-4f), r);
    VF p = V(splat)(1.0f / 720);
    p = V(fmadd)(p, r, V(splat)(1.0f / 120));
    p = V(fmadd)(p, r, V(splat)(1.0f / 24));
    p = V(fmadd)(p, r, V(splat)(1.0f / 6));
    p = V(fmadd)(p, r, V(splat)(0.5f));
    p = V(fmadd)(p, r, V(splat)(1.0f));
    p = V(fmadd)(p, r, V(splat)(1.0f));
    VF e = V(mul)(p, V(exponent_scale)(shifted));
    e = V(where_less)(x, lo, V(zero)(), e);
    return V(where_greater)(x, hi, V(splat)(__builtin_inff()), e);
}
