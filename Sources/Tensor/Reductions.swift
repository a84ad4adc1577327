/// Sum, mean and max, over all elements or along one axis.
///
/// Along an axis the tensor is read as (outer, n, inner) with n the reduced extent:
/// x: (…, n, …) -> (…, …), or (…, 1, …) with `keepDims`.
extension Tensor {
    /// Σ x over every element, as a scalar (shape []). Summed in fixed blocks whose partial sums are added
    /// in Double, so the result does not depend on the thread count and long sums keep their precision.
    public func sum() -> Tensor {
        let block = 4096, n = count
        let blocks = (n + block - 1) / block
        var partial = [Double](repeating: 0, count: blocks)
        withUnsafeBufferPointer { px in
            partial.withUnsafeMutableBufferPointer { pp in
                let x = px.baseAddress!, out = pp.baseAddress!
                Parallel.forRows(blocks, costPerRow: block) { r in
                    for b in r { out[b] = Double(Reduce.sumContiguous(x + b * block, min(block, n - b * block))) }
                }
            }
        }
        return Tensor(scalar: Float(partial.reduce(0, +)))
    }

    /// Σ x along `axis`.
    public func sum(axis: Int, keepDims: Bool = false) throws -> Tensor {
        let (a, outer, n, inner) = try Reduce.view(shape, axis: axis, op: "sum")
        var out = Tensor(uninitializedShape: Reduce.shape(shape, axis: a, keepDims: keepDims))
        withUnsafeBufferPointer { px in out.withUnsafeMutableBufferPointer { po in
            let x = px.baseAddress!, y = po.baseAddress!
            Reduce.forBlocks(outer: outer, n: n, inner: inner) { o, cols in
                let src = x + o * n * inner, dst = y + o * inner
                if inner == 1 { dst[0] = Reduce.sumContiguous(src, n); return }
                for c in cols { dst[c] = 0 }
                for j in 0..<n {
                    let row = src + j * inner
                    for c in cols { dst[c] += row[c] }
                }
            }
        } }
        return out
    }

    /// Mean over every element, as a scalar (shape []).
    public func mean() -> Tensor { Tensor(scalar: sum().item / Float(count)) }

    /// Mean along `axis`.
    public func mean(axis: Int, keepDims: Bool = false) throws -> Tensor {
        let a = try Shape.axis(axis, rank: rank, op: "mean")
        var s = try sum(axis: a, keepDims: keepDims)
        s.scale(by: 1 / Float(shape[a]))
        return s
    }

    /// The largest element, as a scalar (shape []). Throws for an empty tensor.
    public func max() throws -> Tensor { try reshaped([count]).max(axis: 0) }

    /// The largest element along `axis`. Throws when the axis is empty.
    public func max(axis: Int, keepDims: Bool = false) throws -> Tensor {
        try maxWithArgmax(axis: axis, keepDims: keepDims).values
    }

    /// The largest element along `axis` and, for each output element, the position along `axis` of the first
    /// element that attains it (row-major order of the output). NaN never wins a comparison.
    public func maxWithArgmax(axis: Int, keepDims: Bool = false) throws -> (values: Tensor, argmax: [Int]) {
        let (a, outer, n, inner) = try Reduce.view(shape, axis: axis, op: "max")
        guard n > 0 else { throw TensorError.invalidArgument(op: "max", "axis \(axis) of \(shape) is empty") }
        var out = Tensor(uninitializedShape: Reduce.shape(shape, axis: a, keepDims: keepDims))
        var arg = [Int](repeating: 0, count: outer * inner)
        withUnsafeBufferPointer { px in out.withUnsafeMutableBufferPointer { po in arg.withUnsafeMutableBufferPointer { pa in
            let x = px.baseAddress!, y = po.baseAddress!, idx = pa.baseAddress!
            Reduce.forBlocks(outer: outer, n: n, inner: inner) { o, cols in
                let src = x + o * n * inner, dst = y + o * inner, at = idx + o * inner
                if inner == 1 { (dst[0], at[0]) = Reduce.maxContiguous(src, n); return }
                for c in cols { dst[c] = src[c]; at[c] = 0 }
                for j in 1..<n {
                    let row = src + j * inner
                    for c in cols where row[c] > dst[c] { dst[c] = row[c]; at[c] = j }
                }
            }
        } } }
        return (out, arg)
    }

    /// Backward of `maxWithArgmax`: each output gradient goes to the position that won; the rest get 0.
    /// g: reduced shape (either keepDims form) -> inputShape.
    public static func maxBackward(_ g: Tensor, argmax: [Int], inputShape: [Int], axis: Int) throws -> Tensor {
        let (_, outer, n, inner) = try Reduce.view(inputShape, axis: axis, op: "maxBackward")
        guard g.count == outer * inner, argmax.count == outer * inner else {
            throw TensorError.shapeMismatch(op: "maxBackward",
                                            "gradient \(g.shape) and \(argmax.count) indices for input \(inputShape) axis \(axis)")
        }
        var out = Tensor.zeros(inputShape)
        g.withUnsafeBufferPointer { pg in out.withUnsafeMutableBufferPointer { po in
            for o in 0..<outer {
                for c in 0..<inner {
                    let k = o * inner + c
                    po[(o * n + argmax[k]) * inner + c] = pg[k]
                }
            }
        } }
        return out
    }
}

/// Shared reduction plumbing.
enum Reduce {
    /// The axis (normalised) and the (outer, n, inner) view of `shape` around it.
    static func view(_ shape: [Int], axis: Int, op: String) throws -> (axis: Int, outer: Int, n: Int, inner: Int) {
        let a = try Shape.axis(axis, rank: shape.count, op: op)
        return (a, shape[..<a].reduce(1, *), shape[a], shape[(a + 1)...].reduce(1, *))
    }

    /// `shape` with `axis` removed, or set to 1 when `keepDims`.
    static func shape(_ shape: [Int], axis: Int, keepDims: Bool) -> [Int] {
        var s = shape
        if keepDims { s[axis] = 1 } else { s.remove(at: axis) }
        return s
    }

    /// Calls `body(o, columns)` for every outer index and a split of the inner columns, in parallel. When there
    /// are fewer outer rows than workers (a bias gradient: (B·T, C) -> (C)) the columns are split instead.
    static func forBlocks(outer: Int, n: Int, inner: Int, _ body: (Int, Range<Int>) -> Void) {
        guard outer > 0, inner > 0 else { return }
        let chunk = outer >= Parallel.workers ? inner : Swift.min(inner, Swift.max(64, (inner + Parallel.workers - 1) / Parallel.workers))
        let perOuter = (inner + chunk - 1) / chunk
        Parallel.forRows(outer * perOuter, costPerRow: Swift.max(n, 1) * chunk) { r in
            for t in r {
                let o = t / perOuter, c = t % perOuter
                body(o, c * chunk..<Swift.min(inner, (c + 1) * chunk))
            }
        }
    }

    /// The largest of p[0..<n] (n > 0) and the first position holding it: a vectorised max, then a scan for
    /// the first match, which is twice as fast as tracking the index in one scalar pass.
    @inline(__always)
    static func maxContiguous(_ p: UnsafePointer<Float>, _ n: Int) -> (Float, Int) {
        var best = p[0]
        var i = 0
        if n >= 16 {
            var acc = UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
            i = 16
            while i + 16 <= n {
                let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
                acc.replace(with: v, where: v .> acc)
                i += 16
            }
            best = acc.max()
        }
        while i < n { if p[i] > best { best = p[i] }; i += 1 }
        var at = 0
        while at < n - 1 && !(p[at] == best) { at += 1 }
        return (best, at)
    }

    /// Σ p[0..<n] with sixteen running partial sums: vectorises without reassociation flags and
    /// keeps rounding error lower than one running sum.
    @inline(__always)
    static func sumContiguous(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>()
        var i = 0
        while i + 16 <= n {
            acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
            i += 16
        }
        var s = acc.sum()
        while i < n { s += p[i]; i += 1 }
        return s
    }
}
