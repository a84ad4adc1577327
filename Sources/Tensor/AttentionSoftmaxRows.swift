extension CausalAttentionKernel {
    /// The attention kernels' causal softmax on its own, over whole score matrices: row i of each (T, T) matrix
    /// softmaxed over keys 0…i, zeros above the diagonal. The same row loop the fused forward runs (AVX-512 or
    /// portable, by `VectorKernels`), for `bench ops` and tests.
    ///
    /// scores: (…, T, T) -> probabilities (…, T, T).
    public static func causalSoftmax(_ scores: Tensor) -> Tensor {
        let t = scores.shape.last ?? 0
        precondition(scores.rank >= 2 && scores.shape[scores.rank - 2] == t, "causalSoftmax: scores \(scores.shape) are not (…, T, T)")
        var p = Tensor(uninitializedShape: scores.shape)
        let rows = t == 0 ? 0 : scores.count / t
        scores.withUnsafeBufferPointer { sb in p.withUnsafeMutableBufferPointer { pb in
            let x = sb.baseAddress!, y = pb.baseAddress!
            Parallel.forRows(rows, costPerRow: t * 4) { range in
                for r in range { causalSoftmaxRow(x + r * t, into: y + r * t, keys: r % t + 1, width: t) }
            }
        } }
        return p
    }

    /// The fused backward's softmax step over whole matrices: dS = P ⊙ (dP − rowsum(P ⊙ dP)) · scale over each
    /// row's keys 0…i, zeros above the diagonal.
    ///
    /// probabilities: (…, T, T), gradient dP: same shape -> dS: same shape.
    public static func causalSoftmaxBackward(probabilities: Tensor, gradient: Tensor, scale: Float) -> Tensor {
        precondition(probabilities.shape == gradient.shape, "causalSoftmaxBackward: \(probabilities.shape) vs \(gradient.shape)")
        let t = probabilities.shape.last ?? 0
        var ds = Tensor(uninitializedShape: gradient.shape)
        let rows = t == 0 ? 0 : ds.count / t
        probabilities.withUnsafeBufferPointer { pb in gradient.withUnsafeBufferPointer { gb in ds.withUnsafeMutableBufferPointer { db in
            let p = pb.baseAddress!, g = gb.baseAddress!, d = db.baseAddress!
            Parallel.forRows(rows, costPerRow: t * 4) { range in
                for r in range { softmaxBackwardRow(p + r * t, g + r * t, into: d + r * t, keys: r % t + 1, width: t, scale: scale) }
            }
        } } }
        return ds
    }
}
