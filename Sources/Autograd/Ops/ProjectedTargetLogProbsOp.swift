import TensorCore

extension Variable {
    /// The output head and the target log-prob in one op, evaluated only at rows whose target is not
    /// `ignoreIndex` and `chunkRows` rows at a time: log_softmax(hidden·Wᵀ)[target] per row, 0 at ignored rows.
    /// Equals `targetLogProbs(logits: dense(hidden, weight), …)` without ever holding the (N × V) logits; the
    /// backward recomputes each chunk's logits. See `ProjectedTargetLogProbs`.
    ///
    /// hidden: (N, C), weight: (V, C), targets: (N) -> (N).
    public static func projectedTargetLogProbs(hidden: Variable, weight: Variable, targets: [Int32], ignoreIndex: Int32 = -100,
                                               chunkRows: Int = ProjectedTargetLogProbs.defaultChunkRows) throws -> Variable {
        let h = hidden.value, w = weight.value
        let r = try ProjectedTargetLogProbs.forward(hidden: h, weight: w, targets: targets, ignoreIndex: ignoreIndex, chunkRows: chunkRows)
        return Variable.result(r.logProbs, parents: [hidden, weight]) { dy in
            let (dh, dw) = ProjectedTargetLogProbs.backward(hidden: h, weight: w, targets: targets, logSumExp: r.logSumExp,
                                                            gradLogProbs: dy, ignoreIndex: ignoreIndex, chunkRows: chunkRows,
                                                            needsHiddenGrad: hidden.requiresGrad, needsWeightGrad: weight.requiresGrad)
            if let dh { hidden.accumulate(dh) }
            if let dw { weight.accumulate(dw) }
        }
    }
}
