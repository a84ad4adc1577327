import Foundation

/// Softplus log(1 + eˣ) as max(x, 0) + log1p(e^−|x|): the exponent is never positive, so nothing overflows, and
/// log1p keeps the tail exact for large negative x. Uses libm's exp so that softplus(−100) = e⁻¹⁰⁰ stays exact
/// down to the subnormals (these ops act on per-pair scalars, not on hot activations).
enum SoftplusKernel: ElementwiseKernel {
    @inline(__always)
    static func forward(_ x: Float) -> Float { Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x))) }

    /// d softplus/dx = σ(x).
    @inline(__always)
    static func backward(_ x: Float, _ dy: Float) -> Float { dy * sigmoid(x) }

    /// 1 / (1 + e⁻ˣ), evaluated with a non-positive exponent on either side of zero.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        let e = Foundation.exp(-Swift.abs(x))
        return x >= 0 ? 1 / (1 + e) : e / (1 + e)
    }
}

extension Tensor {
    /// Softplus log(1 + eˣ), stable for any x (softplus(100) = 100, softplus(−100) = e⁻¹⁰⁰).
    ///
    /// x: (…) -> (…).
    public func softplus() -> Tensor { FusedLoops.forward(SoftplusKernel.self, self, cost: 16) }

    /// Backward of `softplus` from its input: dx = dy · sigmoid(x).
    ///
    /// x: (…) the forward input, dy: (…) -> dx: (…).
    public static func softplusBackward(input x: Tensor, gradOutput dy: Tensor) -> Tensor {
        FusedLoops.backward(SoftplusKernel.self, x, dy, op: "softplusBackward", cost: 16)
    }
}
