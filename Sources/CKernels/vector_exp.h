/* The vectorised e^x every bandwidth kernel shares (internal header, not part of ckernels.h), as ck_exp16 (zmm,
   16 lanes) and ck_exp8 (ymm, 8 lanes), both from the one definition in vector_exp_lanes.h: x = n ln2 + r with
   |r| <= ln2/2 (ln2 split in two constants, so r is exact to float rounding), e^r by its degree-6 Taylor
   polynomial in Horner form with fused multiply-adds, 2^n built in the exponent bits. The same arithmetic as the
   Swift FusedMath.exp, so all three agree to an ulp or two; worst relative error against libm's double exp over
   [-87, 88]: below 3 ulp (2^-23 ~ 1.2e-7 each), tested in VectorExpTests. Exact 0 below -87.5, +inf above
   88.3, NaN stays NaN (max/min return their second operand, x, on NaN). */

#ifndef CK_VECTOR_EXP_H
#define CK_VECTOR_EXP_H

#if defined(__x86_64__)
#include "vector_lanes.h"

#define CK_EXP_LO (-87.5f)
#define CK_EXP_HI 88.3f

#define CK_W 16
#include "vector_exp_lanes.h"
#undef CK_W
#define CK_W 8
#include "vector_exp_lanes.h"
#undef CK_W

#endif
#endif
