import Foundation

extension Tensor {
    /// Log-softmax over the last axis: z − logsumexp(z), with the row maximum taken out of the sum of
    /// exponentials so that neither huge nor tiny logits overflow or lose the result to rounding.
    ///
    /// x: (…, C) -> y: (…, C).
    public func logSoftmax() -> Tensor {
        let (rows, cols) = FusedLoops.rowsAndCols(shape)
        var y = Tensor(uninitializedShape: shape)
        withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                let xp = xb.baseAddress!, yp = yb.baseAddress!
                Parallel.forRows(rows, costPerRow: cols * 8) { range in
                    for r in range {
                        let x = xp + r * cols, y = yp + r * cols
                        let (m, logSum) = Self.maxAndLogSumExp(x, cols, scratch: y)
                        for j in 0..<cols { y[j] = (x[j] - m) - logSum }
                    }
                }
            }
        }
        return y
    }

    /// The row maximum m and log Σ exp(x[j] − m), so that log Σ exp(x) = m + logSum. Callers subtract the two
    /// parts separately: x − m is exact, while x − (m + logSum) would lose digits to rounding when |x| is large.
    /// `scratch` (n floats) holds the exponentials, so that computing and summing them are two vectorisable loops.
    @inline(__always)
    static func maxAndLogSumExp(_ x: UnsafePointer<Float>, _ n: Int,
                                scratch: UnsafeMutablePointer<Float>) -> (max: Float, logSum: Float) {
        let m = FusedMath.max(x, n)
        for j in 0..<n { scratch[j] = FusedMath.exp(x[j] - m) }
        return (m, Foundation.log(FusedMath.sum(scratch, n)))
    }

    /// Backward of `logSoftmax` from its output: dx = dy − softmax ⊙ Σ_row dy, with softmax = exp(y).
    ///
    /// y: (…, C) the forward output, dy: (…, C) -> dx: (…, C).
    public static func logSoftmaxBackward(output y: Tensor, gradOutput dy: Tensor) -> Tensor {
        precondition(y.shape == dy.shape, "logSoftmaxBackward: gradient shape \(dy.shape) differs from output shape \(y.shape)")
        let (rows, cols) = FusedLoops.rowsAndCols(y.shape)
        var dx = Tensor(uninitializedShape: y.shape)
        y.withUnsafeBufferPointer { yb in
            dy.withUnsafeBufferPointer { gb in
                dx.withUnsafeMutableBufferPointer { db in
                    let yp = yb.baseAddress!, gp = gb.baseAddress!, dp = db.baseAddress!
                    Parallel.forRows(rows, costPerRow: cols * 8) { range in
                        for r in range {
                            let o = r * cols
                            let total = FusedMath.sum(gp + o, cols)
                            for j in 0..<cols { dp[o + j] = gp[o + j] - FusedMath.exp(yp[o + j]) * total }
                        }
                    }
                }
            }
        }
        return dx
    }
}
