#ifndef CKERNELS_H
#define CKERNELS_H

/// Hot elementwise kernels in wider vectors than Swift's baseline x86-64 build can use. Each `_avx2` function
/// must only be called when `ck_has_avx2_fma()` is non-zero; the Swift kernels are the portable fallback.

/// Non-zero when this CPU runs AVX2 and FMA instructions.
int ck_has_avx2_fma(void);

/// GELU, tanh form, written as y = x * sigmoid(2u), u = sqrt(2/pi) * (x + 0.044715 x^3): y[i] for i < n.
void ck_gelu_forward_avx2(const float *x, float *y, long n);

/// Backward of the same GELU from its input: dx[i] = dy[i] * gelu'(x[i]) for i < n.
void ck_gelu_backward_avx2(const float *x, const float *dy, float *dx, long n);

#endif
