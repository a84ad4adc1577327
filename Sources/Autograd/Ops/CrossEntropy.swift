import TensorCore

extension Variable {
    /// Mean cross-entropy of `logits` against `targets` over the rows whose target is not `ignoreIndex`
    /// (0 when all are ignored). logits: (…, V), targets: one per row -> scalar.
    /// Throws when the counts differ or a target lies outside [0, V).
    public static func crossEntropy(logits: Variable, targets: [Int32], ignoreIndex: Int32 = -100) throws -> Variable {
        let z = logits.value
        let r = try Tensor.crossEntropy(logits: z, targets: targets, ignoreIndex: ignoreIndex)
        return Variable.result(Tensor(scalar: r.loss), parents: [logits]) { dy in
            logits.accumulate(Tensor.crossEntropyBackward(logits: z, targets: targets, logSumExp: r.logSumExp, count: r.count,
                                                          gradLoss: dy.item, ignoreIndex: ignoreIndex))
        }
    }
}
