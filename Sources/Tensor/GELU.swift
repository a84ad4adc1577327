import CKernels

/// GELU in GPT-2's tanh form (HF `gelu_new`): 0.5 · x · (1 + tanh(u)), u = √(2/π) · (x + 0.044715 · x³).
/// Evaluated as x · σ(2u), since 1 + tanh(u) = 2σ(2u): one `exp` instead of `tanh`, and no cancellation in the
/// negative tail where 1 + tanh(u) → 0.
enum GELUKernel: ElementwiseKernel {
    /// √(2/π), the slope of the tanh approximation.
    static let slope: Float = 0.7978845608028654
    /// The cubic coefficient of the same approximation.
    static let cubic: Float = 0.044715

    @inline(__always)
    static func forward(_ x: Float) -> Float {
        x / (1 + FusedMath.exp(-2 * slope * (x + cubic * x * x * x)))
    }

    /// With s = σ(2u) (so y = x · s): dy/dx = s + 2 · x · s · (1 − s) · u′, u′ = √(2/π) · (1 + 3 · 0.044715 · x²).
    @inline(__always)
    static func backward(_ x: Float, _ dy: Float) -> Float {
        let x2 = x * x
        let s = 1 / (1 + FusedMath.exp(-2 * slope * (x + cubic * x2 * x)))
        let du = slope * (1 + 3 * cubic * x2)
        return dy * (s + 2 * x * s * (1 - s) * du)
    }

    /// The same math in C (`gelu_lanes.h`), 16-wide with AVX-512 or 8-wide with AVX2 + FMA, when the CPU has it:
    /// the tiny train step spent ~5 % of its time in GELU at 8 lanes.
    static var vectorForward: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? {
        VectorKernels.avx512Enabled ? { ck_gelu_forward_avx512($0, $1, $2) }
            : VectorKernels.enabled ? { ck_gelu_forward_avx2($0, $1, $2) } : nil
    }

    /// The same math in C (`gelu_lanes.h`), as `vectorForward` picks it.
    static var vectorBackward: ((UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? {
        VectorKernels.avx512Enabled ? { ck_gelu_backward_avx512($0, $1, $2, $3) }
            : VectorKernels.enabled ? { ck_gelu_backward_avx2($0, $1, $2, $3) } : nil
    }
}

extension Tensor {
    /// GELU in GPT-2's tanh form (HF `gelu_new`): 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))).
    ///
    /// x: (…) -> (…).
    public func gelu() -> Tensor { FusedLoops.forward(GELUKernel.self, self, cost: 16) }

    /// Backward of `gelu` from its input: dx = dy · d gelu/dx.
    ///
    /// x: (…) the forward input, dy: (…) -> dx: (…).
    public static func geluBackward(input x: Tensor, gradOutput dy: Tensor) -> Tensor {
        FusedLoops.backward(GELUKernel.self, x, dy, op: "geluBackward", cost: 16)
    }
}
