/// What `crossEntropy` computes, plus what its backward needs.
public struct CrossEntropyResult {
    /// Mean of −log softmax(z)[t] over rows whose target is not ignored; 0 when every row is ignored.
    public var loss: Float
    /// logsumexp(z) per row (0 for ignored rows), so the backward can rebuild softmax without storing it: (…).
    public var logSumExp: Tensor
    /// Number of rows that count towards the mean.
    public var count: Int
}

extension Tensor {
    /// Cross-entropy of logits against integer targets, averaged over the rows whose target is not `ignoreIndex`.
    /// Fused: one pass per row gives the loss term and the log-sum-exp the backward reuses.
    ///
    /// logits: (…, V), targets: one per row -> scalar loss, logSumExp (…), count.
    /// Throws when the target count differs from the row count or a target lies outside [0, V).
    public static func crossEntropy(logits: Tensor, targets: [Int32], ignoreIndex: Int32 = -100) throws -> CrossEntropyResult {
        let rows = try logProbsOfTargets(logits: logits, targets: targets, ignoreIndex: ignoreIndex)
        var total = 0.0
        rows.logProbs.withUnsafeBufferPointer { lp in
            for r in 0..<lp.count { total -= Double(lp[r]) }
        }
        let count = targets.reduce(0) { $0 + ($1 == ignoreIndex ? 0 : 1) }
        return CrossEntropyResult(loss: count == 0 ? 0 : Float(total / Double(count)), logSumExp: rows.logSumExp, count: count)
    }

    /// Backward of `crossEntropy`: dlogits[r] = (softmax(z_r) − onehot(t_r)) · gradLoss / count; ignored rows
    /// (and every row when count is 0) get 0.
    ///
    /// logits: (…, V), targets, logSumExp: (…) and count from the forward, gradLoss: scalar -> dlogits (…, V).
    public static func crossEntropyBackward(logits: Tensor, targets: [Int32], logSumExp: Tensor, count: Int,
                                            gradLoss: Float, ignoreIndex: Int32 = -100) -> Tensor {
        let s = count == 0 ? 0 : gradLoss / Float(count)
        return softmaxMinusOneHot(logits: logits, targets: targets, logSumExp: logSumExp, ignoreIndex: ignoreIndex) { _ in s }
    }
}
