import Foundation

/// What `projectedTargetLogProbs` computes, plus what its backward needs besides the inputs.
public struct ProjectedTargetLogProbsResult {
    /// log softmax(h·Wᵀ)[target] per row, 0 for ignored rows: (N).
    public var logProbs: Tensor
    /// logsumexp(h·Wᵀ) per row (0 for ignored rows): (N).
    public var logSumExp: Tensor
}

/// The output head fused with the target log-prob, computed only at the rows that are scored and `chunkRows`
/// rows at a time, so the (rows × vocabulary) logit matrix never exists whole: with a 49k vocabulary and 2.5k
/// positions that matrix and its gradient are ~1 GB, while the rows a DPO or completion-only loss reads are
/// a fifth of them and a chunk of 256 rows is 50 MB. The backward recomputes each chunk's logits instead of
/// keeping them.
public enum ProjectedTargetLogProbs {
    /// Rows of logits materialised at once by default.
    public static let defaultChunkRows = 256

    /// The rows whose target is not `ignoreIndex`, after checking every target against the vocabulary.
    static func scoredRows(targets: [Int32], rows: Int, vocab: Int, ignoreIndex: Int32) throws -> [Int] {
        guard targets.count == rows else {
            throw TensorError.shapeMismatch(op: "projectedTargetLogProbs", "hidden has \(rows) rows but \(targets.count) targets were given")
        }
        var scored: [Int] = []
        for (r, t) in targets.enumerated() where t != ignoreIndex {
            guard t >= 0, Int(t) < vocab else {
                throw TensorError.invalidArgument(op: "projectedTargetLogProbs",
                                                  "row \(r): target \(t) outside [0, \(vocab)) (ignore index \(ignoreIndex))")
            }
            scored.append(r)
        }
        return scored
    }

    /// Copies rows `rows` of `hidden` (N, C) into one (rows.count, C) tensor.
    static func gatherRows(_ hidden: Tensor, _ rows: ArraySlice<Int>, width c: Int) -> Tensor {
        var out = Tensor(uninitializedShape: [rows.count, c])
        hidden.withUnsafeBufferPointer { hb in out.withUnsafeMutableBufferPointer { ob in
            for (i, r) in rows.enumerated() { (ob.baseAddress! + i * c).update(from: hb.baseAddress! + r * c, count: c) }
        } }
        return out
    }

    /// hc: (m, C), W: (V, C) -> logits hc·Wᵀ (m, V).
    static func chunkLogits(_ hc: Tensor, _ weight: Tensor, vocab: Int, width c: Int) -> Tensor {
        var z = Tensor(uninitializedShape: [hc.shape[0], vocab])
        hc.withUnsafeBufferPointer { hb in weight.withUnsafeBufferPointer { wb in z.withUnsafeMutableBufferPointer { zb in
            BLAS.gemm(hb.baseAddress!, wb.baseAddress!, zb.baseAddress!, m: hc.shape[0], n: vocab, k: c, transB: true)
        } } }
        return z
    }

    /// Forward: log_softmax(hidden·Wᵀ)[target] per row, 0 where the target is `ignoreIndex`.
    ///
    /// hidden: (N, C), weight: (V, C) (the head, `[out, in]`), targets: (N) -> logProbs (N), logSumExp (N).
    /// Throws when the shapes disagree or a target lies outside [0, V).
    public static func forward(hidden: Tensor, weight: Tensor, targets: [Int32], ignoreIndex: Int32 = -100,
                               chunkRows: Int = defaultChunkRows) throws -> ProjectedTargetLogProbsResult {
        let (n, c, vocab) = try shapes(hidden: hidden, weight: weight)
        let scored = try scoredRows(targets: targets, rows: n, vocab: vocab, ignoreIndex: ignoreIndex)
        var out = ProjectedTargetLogProbsResult(logProbs: Tensor(shape: [n], repeating: 0), logSumExp: Tensor(shape: [n], repeating: 0))
        for start in stride(from: 0, to: scored.count, by: max(chunkRows, 1)) {
            let rows = scored[start..<min(start + max(chunkRows, 1), scored.count)]
            let z = chunkLogits(gatherRows(hidden, rows, width: c), weight, vocab: vocab, width: c)
            let r = try Tensor.logProbsOfTargets(logits: z, targets: rows.map { targets[$0] }, ignoreIndex: ignoreIndex)
            r.logProbs.withUnsafeBufferPointer { lp in r.logSumExp.withUnsafeBufferPointer { sp in
                out.logProbs.withUnsafeMutableBufferPointer { olp in out.logSumExp.withUnsafeMutableBufferPointer { osp in
                    for (i, row) in rows.enumerated() { olp[row] = lp[i]; osp[row] = sp[i] }
                } }
            } }
        }
        return out
    }

    /// Backward: with dz = g·(onehot − softmax) recomputed chunk by chunk, dhidden = dz·W (N, C) (0 at ignored
    /// rows) and dweight = dzᵀ·hidden (V, C). Either is skipped (nil) when not needed.
    ///
    /// hidden: (N, C), weight: (V, C), targets, logSumExp (from the forward), gradLogProbs: (N).
    public static func backward(hidden: Tensor, weight: Tensor, targets: [Int32], logSumExp: Tensor, gradLogProbs: Tensor,
                                ignoreIndex: Int32 = -100, chunkRows: Int = defaultChunkRows,
                                needsHiddenGrad: Bool = true, needsWeightGrad: Bool = true) -> (hidden: Tensor?, weight: Tensor?) {
        let n = hidden.shape[0], c = hidden.shape[1], vocab = weight.shape[0]
        let scored = targets.indices.filter { targets[$0] != ignoreIndex }
        var dHidden = needsHiddenGrad ? Tensor(shape: [n, c], repeating: 0) : nil
        var dWeight = needsWeightGrad ? Tensor(shape: [vocab, c], repeating: 0) : nil
        let lse = logSumExp.scalars, g = gradLogProbs.scalars
        for start in stride(from: 0, to: scored.count, by: max(chunkRows, 1)) {
            let rows = scored[start..<min(start + max(chunkRows, 1), scored.count)]
            let m = rows.count
            let hc = gatherRows(hidden, rows, width: c)
            // The chunk's logits are overwritten by their gradient: one (m × V) chunk alive, not two.
            var dz = chunkLogits(hc, weight, vocab: vocab, width: c)
            Tensor.logProbsOfTargetsBackward(overwriting: &dz, targets: rows.map { targets[$0] },
                                             logSumExp: Tensor(shape: [m], rows.map { lse[$0] }),
                                             gradLogProbs: Tensor(shape: [m], rows.map { g[$0] }), ignoreIndex: ignoreIndex)
            dz.withUnsafeBufferPointer { dzb in weight.withUnsafeBufferPointer { wb in
                if dHidden != nil {
                    var dhc = Tensor(uninitializedShape: [m, c])
                    dhc.withUnsafeMutableBufferPointer { db in
                        BLAS.gemm(dzb.baseAddress!, wb.baseAddress!, db.baseAddress!, m: m, n: c, k: vocab)
                    }
                    dhc.withUnsafeBufferPointer { db in dHidden!.withUnsafeMutableBufferPointer { hb in
                        for (i, row) in rows.enumerated() { (hb.baseAddress! + row * c).update(from: db.baseAddress! + i * c, count: c) }
                    } }
                }
                if dWeight != nil {
                    hc.withUnsafeBufferPointer { hb in dWeight!.withUnsafeMutableBufferPointer { gw in
                        BLAS.gemm(dzb.baseAddress!, hb.baseAddress!, gw.baseAddress!, m: vocab, n: c, k: m, transA: true, beta: 1)
                    } }
                }
            } }
        }
        return (dHidden, dWeight)
    }

    /// (N, C, V) after checking hidden (N, C) against weight (V, C).
    static func shapes(hidden: Tensor, weight: Tensor) throws -> (Int, Int, Int) {
        guard hidden.rank == 2, weight.rank == 2, hidden.shape[1] == weight.shape[1], weight.shape[0] > 0 else {
            throw TensorError.shapeMismatch(op: "projectedTargetLogProbs",
                                            "hidden \(hidden.shape) must be (N, C) and the head \(weight.shape) (V, C)")
        }
        return (hidden.shape[0], hidden.shape[1], weight.shape[0])
    }
}
