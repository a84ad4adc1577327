import CKernels

/// The C kernels' shared vector exp (CKernels `vector_exp.h`) over a buffer, so its accuracy can be swept
/// against libm and its speed timed apart from the kernels that use it.
enum VectorExp {
    /// e^x for every element, in zmm registers (`wide`, AVX-512F) or ymm registers (AVX2 + FMA); nil when this
    /// CPU does not run that width.
    static func exp(_ x: [Float], wide: Bool) -> [Float]? {
        guard wide ? VectorKernels.avx512Available : VectorKernels.available else { return nil }
        var y = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { yb in
            guard let xp = xb.baseAddress, let yp = yb.baseAddress else { return }
            if wide { ck_exp_avx512(xp, yp, xb.count) } else { ck_exp_avx2(xp, yp, xb.count) }
        } }
        return y
    }
}
