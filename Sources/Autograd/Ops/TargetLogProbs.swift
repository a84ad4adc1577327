import TensorCore

extension Variable {
    /// log_softmax(logits)[target] per row, 0 for rows whose target is `ignoreIndex`; summed over a completion it
    /// is the sequence log-prob. logits: (…, V), targets: one per row -> (…).
    /// Throws when the counts differ or a target lies outside [0, V).
    public static func targetLogProbs(logits: Variable, targets: [Int32], ignoreIndex: Int32 = -100) throws -> Variable {
        let z = logits.value
        let r = try Tensor.logProbsOfTargets(logits: z, targets: targets, ignoreIndex: ignoreIndex)
        return Variable.result(r.logProbs, parents: [logits]) { dy in
            logits.accumulate(Tensor.logProbsOfTargetsBackward(logits: z, targets: targets, logSumExp: r.logSumExp,
                                                               gradLogProbs: dy, ignoreIndex: ignoreIndex))
        }
    }
}
