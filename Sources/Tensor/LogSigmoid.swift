extension Tensor {
    /// log sigmoid(x) = −softplus(−x), stable for any x (logSigmoid(−100) = −100). The DPO loss is −logSigmoid(margin).
    ///
    /// x: (…) -> (…).
    public func logSigmoid() -> Tensor {
        FusedLoops.unary(self, cost: 16) { -StableLogistic.softplus(-$0) }
    }

    /// Backward of `logSigmoid` from its input: dx = dy · sigmoid(−x).
    ///
    /// x: (…) the forward input, dy: (…) -> dx: (…).
    public static func logSigmoidBackward(input x: Tensor, gradOutput dy: Tensor) -> Tensor {
        FusedLoops.binary(x, dy, op: "logSigmoidBackward", cost: 16) { x, g in g * StableLogistic.sigmoid(-x) }
    }
}
