/// log σ(x) = −softplus(−x). The DPO loss is −logSigmoid(margin).
enum LogSigmoidKernel: ElementwiseKernel {
    @inline(__always)
    static func forward(_ x: Float) -> Float { -SoftplusKernel.forward(-x) }

    /// d log σ(x)/dx = σ(−x).
    @inline(__always)
    static func backward(_ x: Float, _ dy: Float) -> Float { dy * SoftplusKernel.sigmoid(-x) }
}

extension Tensor {
    /// log sigmoid(x) = −softplus(−x), stable for any x (logSigmoid(−100) = −100).
    ///
    /// x: (…) -> (…).
    public func logSigmoid() -> Tensor { FusedLoops.forward(LogSigmoidKernel.self, self, cost: 16) }

    /// Backward of `logSigmoid` from its input: dx = dy · sigmoid(−x).
    ///
    /// x: (…) the forward input, dy: (…) -> dx: (…).
    public static func logSigmoidBackward(input x: Tensor, gradOutput dy: Tensor) -> Tensor {
        FusedLoops.backward(LogSigmoidKernel.self, x, dy, op: "logSigmoidBackward", cost: 16)
    }
}
