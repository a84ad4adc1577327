/// An elementwise op as a pair of scalar functions. Passing the op as a type (not a closure) makes each loop a
/// specialised copy with the math inlined, which LLVM can vectorise; a closure stays an indirect call per element.
protocol ElementwiseKernel {
    /// y = f(x).
    static func forward(_ x: Float) -> Float
    /// dx = f′(x) · dy.
    static func backward(_ x: Float, _ dy: Float) -> Float
    /// A wide-vector loop y[0..<n] = forward(x[0..<n]) to use instead of the scalar one, or nil.
    static var vectorForward: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? { get }
    /// A wide-vector loop dx[0..<n] = backward(x, dy) to use instead of the scalar one, or nil.
    static var vectorBackward: ((UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? { get }
}

extension ElementwiseKernel {
    /// Most kernels have only the Swift loop.
    static var vectorForward: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? { nil }
    /// Most kernels have only the Swift loop.
    static var vectorBackward: ((UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? { nil }
}

/// Loop skeletons shared by the fused kernels: rows over the last axis, and flat elementwise passes.
enum FusedLoops {
    /// `(rows, cols)` of a tensor viewed as rows along its last axis; a scalar is one row of one column.
    static func rowsAndCols(_ shape: [Int]) -> (rows: Int, cols: Int) {
        let cols = shape.last ?? 1
        return (cols == 0 ? 0 : shape.reduce(1, *) / cols, cols)
    }

    /// y[i] = K.forward(x[i]) over all elements, split over the cores in contiguous chunks.
    static func forward<K: ElementwiseKernel>(_: K.Type, _ x: Tensor, cost: Int) -> Tensor {
        var y = Tensor(uninitializedShape: x.shape)
        let n = x.count
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                let xp = xb.baseAddress!, yp = yb.baseAddress!
                let vector = K.vectorForward
                Parallel.forRows(n, costPerRow: cost) { range in
                    if let vector { vector(xp + range.lowerBound, yp + range.lowerBound, range.count); return }
                    for i in range { yp[i] = K.forward(xp[i]) }
                }
            }
        }
        return y
    }

    /// dx[i] = K.backward(x[i], dy[i]) over all elements: the backward of an elementwise op from its input.
    static func backward<K: ElementwiseKernel>(_: K.Type, _ x: Tensor, _ dy: Tensor, op: String, cost: Int) -> Tensor {
        precondition(x.shape == dy.shape, "\(op): gradient shape \(dy.shape) differs from input shape \(x.shape)")
        var dx = Tensor(uninitializedShape: x.shape)
        let n = x.count
        x.withUnsafeBufferPointer { xb in
            dy.withUnsafeBufferPointer { gb in
                dx.withUnsafeMutableBufferPointer { db in
                    let xp = xb.baseAddress!, gp = gb.baseAddress!, dp = db.baseAddress!
                    let vector = K.vectorBackward
                    Parallel.forRows(n, costPerRow: cost) { range in
                        let lo = range.lowerBound
                        if let vector { vector(xp + lo, gp + lo, dp + lo, range.count); return }
                        for i in range { dp[i] = K.backward(xp[i], gp[i]) }
                    }
                }
            }
        }
        return dx
    }

    /// y = body(x) row by row over the last axis, rows split over the cores. `body(x, y, cols)` gets one row.
    /// (The closure is called once per row; the loops inside it are compiled, and vectorised, on their own.)
    static func mapRows(_ x: Tensor, cost: Int,
                        _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        let (rows, cols) = rowsAndCols(x.shape)
        var y = Tensor(uninitializedShape: x.shape)
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                let xp = xb.baseAddress!, yp = yb.baseAddress!
                Parallel.forRows(rows, costPerRow: cols * cost) { range in
                    for r in range { body(xp + r * cols, yp + r * cols, cols) }
                }
            }
        }
        return y
    }

    /// out = body(a, b) row by row over the last axis for two tensors of one shape (a forward output and its
    /// gradient). `body(a, b, out, cols)` gets one row of each.
    static func mapRowPairs(_ a: Tensor, _ b: Tensor, op: String, cost: Int,
                            _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        precondition(a.shape == b.shape, "\(op): gradient shape \(b.shape) differs from \(a.shape)")
        let (rows, cols) = rowsAndCols(a.shape)
        var out = Tensor(uninitializedShape: a.shape)
        a.withUnsafeBufferPointer { ab in
            b.withUnsafeBufferPointer { bb in
                out.withUnsafeMutableBufferPointer { ob in
                    let ap = ab.baseAddress!, bp = bb.baseAddress!, outp = ob.baseAddress!
                    Parallel.forRows(rows, costPerRow: cols * cost) { range in
                        for r in range { body(ap + r * cols, bp + r * cols, outp + r * cols, cols) }
                    }
                }
            }
        }
        return out
    }
}
