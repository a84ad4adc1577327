/// Loop skeletons shared by the fused kernels: rows over the last axis, and flat elementwise passes.
enum FusedLoops {
    /// `(rows, cols)` of a tensor viewed as rows along its last axis; a scalar is one row of one column.
    static func rowsAndCols(_ shape: [Int]) -> (rows: Int, cols: Int) {
        let cols = shape.last ?? 1
        return (cols == 0 ? 0 : shape.reduce(1, *) / cols, cols)
    }

    /// y[i] = f(x[i]) over all elements, split over the cores in contiguous chunks.
    @inline(__always)
    static func unary(_ x: Tensor, cost: Int, _ f: (Float) -> Float) -> Tensor {
        var y = Tensor(uninitializedShape: x.shape)
        let n = x.count
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                let xp = xb.baseAddress!, yp = yb.baseAddress!
                Parallel.forRows(n, costPerRow: cost) { range in
                    for i in range { yp[i] = f(xp[i]) }
                }
            }
        }
        return y
    }

    /// dx[i] = f(x[i], dy[i]) over all elements: the backward of an elementwise op from its input.
    @inline(__always)
    static func binary(_ x: Tensor, _ dy: Tensor, op: String, cost: Int, _ f: (Float, Float) -> Float) -> Tensor {
        precondition(x.shape == dy.shape, "\(op): gradient shape \(dy.shape) differs from input shape \(x.shape)")
        var dx = Tensor(uninitializedShape: x.shape)
        let n = x.count
        x.withUnsafeBufferPointer { xb in
            dy.withUnsafeBufferPointer { gb in
                dx.withUnsafeMutableBufferPointer { db in
                    let xp = xb.baseAddress!, gp = gb.baseAddress!, dp = db.baseAddress!
                    Parallel.forRows(n, costPerRow: cost) { range in
                        for i in range { dp[i] = f(xp[i], gp[i]) }
                    }
                }
            }
        }
        return dx
    }
}
