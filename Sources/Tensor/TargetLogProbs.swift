import CKernels
import Foundation

/// What `logProbsOfTargets` computes, plus the per-row log-sum-exp its backward needs.
public struct TargetLogProbsResult {
    /// log softmax(z)[target] per row, 0 for ignored rows: (…).
    public var logProbs: Tensor
    /// logsumexp(z) per row (0 for ignored rows): (…).
    public var logSumExp: Tensor
}

extension Tensor {
    /// The log-probability each row of logits gives its target token: log_softmax(z)[t] = z[t] − logsumexp(z).
    /// Rows whose target is `ignoreIndex` give 0 (and get no gradient). Summing over a completion's rows gives a
    /// sequence log-prob.
    ///
    /// logits: (…, V), targets: one per row -> logProbs (…), logSumExp (…).
    /// Throws when the target count differs from the row count or a target lies outside [0, V).
    public static func logProbsOfTargets(logits: Tensor, targets: [Int32],
                                         ignoreIndex: Int32 = -100) throws -> TargetLogProbsResult {
        let (rows, vocab) = try checkTargets(op: "logProbsOfTargets", logits: logits.shape, targets: targets, ignoreIndex: ignoreIndex)
        let rowShape = Array(logits.shape.dropLast())
        var out = TargetLogProbsResult(logProbs: Tensor(uninitializedShape: rowShape),
                                       logSumExp: Tensor(uninitializedShape: rowShape))
        logits.withUnsafeBufferPointer { zb in targets.withUnsafeBufferPointer { tb in
            out.logProbs.withUnsafeMutableBufferPointer { lb in out.logSumExp.withUnsafeMutableBufferPointer { sb in
                let zp = zb.baseAddress!, tp = tb.baseAddress!, lp = lb.baseAddress!, sp = sb.baseAddress!
                Parallel.forRows(rows, costPerRow: vocab * 8) { range in
                    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: vocab)
                    defer { scratch.deallocate() }
                    for r in range {
                        let t = tp[r]
                        if t == ignoreIndex { lp[r] = 0; sp[r] = 0; continue }
                        let z = zp + r * vocab
                        let (m, logSum) = maxAndLogSumExp(z, vocab, scratch: scratch)
                        sp[r] = m + logSum
                        lp[r] = (z[Int(t)] - m) - logSum
                    }
                }
            } }
        } }
        return out
    }

    /// Backward of `logProbsOfTargets`: dlogits[r] = dlogProbs[r] · (onehot(t_r) − softmax(z_r)); ignored rows get 0.
    ///
    /// logits: (…, V), targets, logSumExp: (…) from the forward, gradLogProbs: (…) -> dlogits (…, V).
    public static func logProbsOfTargetsBackward(logits: Tensor, targets: [Int32], logSumExp: Tensor,
                                                 gradLogProbs: Tensor, ignoreIndex: Int32 = -100) -> Tensor {
        precondition(gradLogProbs.count == logSumExp.count,
                     "logProbsOfTargetsBackward: gradient shape \(gradLogProbs.shape) differs from \(logSumExp.shape)")
        return gradLogProbs.withUnsafeBufferPointer { gb in
            let gp = gb.baseAddress!
            return softmaxMinusOneHot(logits: logits, targets: targets, logSumExp: logSumExp, ignoreIndex: ignoreIndex) { -gp[$0] }
        }
    }

    /// The same gradient written over `logits` (a chunk of logits the caller recomputed and needs no more): the
    /// fused head's backward then holds one (rows × V) chunk instead of two.
    public static func logProbsOfTargetsBackward(overwriting logits: inout Tensor, targets: [Int32], logSumExp: Tensor,
                                                 gradLogProbs: Tensor, ignoreIndex: Int32 = -100) {
        precondition(gradLogProbs.count == logSumExp.count,
                     "logProbsOfTargetsBackward: gradient shape \(gradLogProbs.shape) differs from \(logSumExp.shape)")
        let (rows, vocab) = FusedLoops.rowsAndCols(logits.shape)
        gradLogProbs.withUnsafeBufferPointer { gb in
            let gp = gb.baseAddress!
            logits.withUnsafeMutableBufferPointer { zb in
                softmaxMinusOneHot(UnsafePointer(zb.baseAddress!), into: zb.baseAddress!, rows: rows, vocab: vocab, targets: targets,
                                   logSumExp: logSumExp, ignoreIndex: ignoreIndex) { -gp[$0] }
            }
        }
    }

    /// dlogits[r, j] = scale(r) · (softmax(z_r)[j] − [j == t_r]) from saved log-sum-exps; rows with the ignore index
    /// get 0. Shared by the cross-entropy and target log-prob backwards, which differ only in `scale`.
    static func softmaxMinusOneHot(logits: Tensor, targets: [Int32], logSumExp: Tensor, ignoreIndex: Int32,
                                   scale: (Int) -> Float) -> Tensor {
        let (rows, vocab) = FusedLoops.rowsAndCols(logits.shape)
        var dz = Tensor(uninitializedShape: logits.shape)
        logits.withUnsafeBufferPointer { zb in dz.withUnsafeMutableBufferPointer { db in
            softmaxMinusOneHot(zb.baseAddress!, into: db.baseAddress!, rows: rows, vocab: vocab, targets: targets, logSumExp: logSumExp,
                               ignoreIndex: ignoreIndex, scale: scale)
        } }
        return dz
    }

    /// The rows of that gradient from z (rows, V) into d (rows, V); d may be z (each element is read before it
    /// is written).
    static func softmaxMinusOneHot(_ zp: UnsafePointer<Float>, into dp: UnsafeMutablePointer<Float>, rows: Int, vocab: Int,
                                   targets: [Int32], logSumExp: Tensor, ignoreIndex: Int32, scale: (Int) -> Float) {
        precondition(targets.count == rows && logSumExp.count == rows,
                     "softmaxMinusOneHot: logits (\(rows), \(vocab)), \(targets.count) targets, logSumExp \(logSumExp.shape)")
        targets.withUnsafeBufferPointer { tb in logSumExp.withUnsafeBufferPointer { sb in
            let tp = tb.baseAddress!, sp = sb.baseAddress!
            let wide = VectorKernels.avx512Enabled
            Parallel.forRows(rows, costPerRow: vocab * 8) { range in
                for r in range {
                    let z = zp + r * vocab, d = dp + r * vocab, t = tp[r]
                    if t == ignoreIndex { d.update(repeating: 0, count: vocab); continue }
                    let lse = sp[r], s = scale(r)
                    if wide { ck_scaled_exp_avx512(z, lse, s, d, vocab) } else {
                        for j in 0..<vocab { d[j] = s * FusedMath.exp(z[j] - lse) }
                    }
                    d[Int(t)] -= s
                }
            }
        } }
    }

    /// Checks logits (…, V) against one target per row, each in [0, V) or equal to `ignoreIndex`; returns (rows, V).
    static func checkTargets(op: String, logits: [Int], targets: [Int32], ignoreIndex: Int32) throws -> (rows: Int, vocab: Int) {
        guard let vocab = logits.last, vocab > 0 else {
            throw TensorError.invalidArgument(op: op, "logits need a non-empty last (vocabulary) axis, got shape \(logits)")
        }
        let rows = logits.reduce(1, *) / vocab
        guard targets.count == rows else {
            throw TensorError.shapeMismatch(op: op, "logits \(logits) have \(rows) rows but \(targets.count) targets were given")
        }
        for (r, t) in targets.enumerated() where t != ignoreIndex && (t < 0 || Int(t) >= vocab) {
            throw TensorError.invalidArgument(op: op, "row \(r): target \(t) outside [0, \(vocab)) (ignore index \(ignoreIndex))")
        }
        return (rows, vocab)
    }
}
