/// SiLU (swish): x · σ(x), `transformers`' `silu`. dy/dx = σ(x) · (1 + x · (1 − σ(x))).
enum SiLUKernel: ElementwiseKernel {
    @inline(__always)
    static func forward(_ x: Float) -> Float { x / (1 + FusedMath.exp(-x)) }

    @inline(__always)
    static func backward(_ x: Float, _ dy: Float) -> Float {
        let s = 1 / (1 + FusedMath.exp(-x))
        return dy * s * (1 + x * (1 - s))
    }
}

extension Tensor {
    /// SiLU, x · σ(x). x: (…) -> (…).
    public func silu() -> Tensor { FusedLoops.forward(SiLUKernel.self, self, cost: 12) }

    /// Backward of `silu` from its input. x: (…) the forward input, dy: (…) -> dx: (…).
    public static func siluBackward(input x: Tensor, gradOutput dy: Tensor) -> Tensor {
        FusedLoops.backward(SiLUKernel.self, x, dy, op: "siluBackward", cost: 12)
    }
}
