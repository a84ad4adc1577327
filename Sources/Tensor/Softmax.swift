extension Tensor {
    /// Softmax over the last axis. The row maximum is subtracted before `exp`, so logits like 1000 cannot overflow.
    ///
    /// x: (…, C) -> y: (…, C), each row sums to 1.
    public func softmax() -> Tensor {
        let (rows, cols) = FusedLoops.rowsAndCols(shape)
        var y = Tensor(uninitializedShape: shape)
        withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                let xp = xb.baseAddress!, yp = yb.baseAddress!
                Parallel.forRows(rows, costPerRow: cols * 8) { range in
                    for r in range { Self.softmaxRow(xp + r * cols, yp + r * cols, cols) }
                }
            }
        }
        return y
    }

    /// One row: y = exp(x − max x) / Σ exp(x − max x).
    @inline(__always)
    static func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let m = FusedMath.max(x, n)
        for j in 0..<n { y[j] = FusedMath.exp(x[j] - m) }
        let inv = 1 / FusedMath.sum(y, n)
        for j in 0..<n { y[j] *= inv }
    }

    /// Backward of `softmax` from its output: dx = y ⊙ (dy − Σ_row dy ⊙ y).
    ///
    /// y: (…, C) the forward output, dy: (…, C) -> dx: (…, C).
    public static func softmaxBackward(output y: Tensor, gradOutput dy: Tensor) -> Tensor {
        precondition(y.shape == dy.shape, "softmaxBackward: gradient shape \(dy.shape) differs from output shape \(y.shape)")
        let (rows, cols) = FusedLoops.rowsAndCols(y.shape)
        var dx = Tensor(uninitializedShape: y.shape)
        y.withUnsafeBufferPointer { yb in
            dy.withUnsafeBufferPointer { gb in
                dx.withUnsafeMutableBufferPointer { db in
                    let yp = yb.baseAddress!, gp = gb.baseAddress!, dp = db.baseAddress!
                    Parallel.forRows(rows, costPerRow: cols * 2) { range in
                        for r in range {
                            let o = r * cols
                            let dot = FusedMath.dot(gp + o, yp + o, cols)
                            for j in 0..<cols { dp[o + j] = yp[o + j] * (gp[o + j] - dot) }
                        }
                    }
                }
            }
        }
        return dx
    }
}
