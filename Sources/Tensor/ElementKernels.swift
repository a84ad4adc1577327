/// A one-input elementwise function. Kernels are small structs so that the generic loops below are
/// specialised per kernel and compile to tight (vectorisable) loops instead of a closure call per element.
protocol UnaryKernel {
    /// The function applied to each element.
    func callAsFunction(_ x: Float) -> Float
}

/// A two-input elementwise function (an arithmetic op, or a backward rule taking a saved value and a gradient).
protocol BinaryKernel {
    /// The function applied to each pair of elements.
    func callAsFunction(_ a: Float, _ b: Float) -> Float
}

/// The loops every elementwise op runs on raw buffers.
enum ElementLoop {
    /// out[i] = k(a[i·sa], b[i·sb]) for i in 0..<n. Strides of 0 and 1 get their own loops so the common
    /// cases (same shape, scalar, broadcast row) vectorise.
    @inline(__always)
    static func zip<K: BinaryKernel>(_ k: K, _ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int,
                                     _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        switch (sa, sb) {
        case (1, 1): for i in 0..<n { out[i] = k(a[i], b[i]) }
        case (1, 0): let y = b[0]; for i in 0..<n { out[i] = k(a[i], y) }
        case (0, 1): let x = a[0]; for i in 0..<n { out[i] = k(x, b[i]) }
        default: for i in 0..<n { out[i] = k(a[i * sa], b[i * sb]) }
        }
    }

    /// Applies `k` to every element of `x` (any shape), in parallel chunks when large.
    /// `cost` is a rough per-element cost relative to an add (transcendentals ≈ 8).
    static func map<K: UnaryKernel>(_ k: K, _ x: Tensor, cost: Int = 1) -> Tensor {
        var out = Tensor(uninitializedShape: x.shape)
        x.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                let src = px.baseAddress!, dst = po.baseAddress!
                Parallel.forRows(px.count, costPerRow: cost) { r in
                    for i in r { dst[i] = k(src[i]) }
                }
            }
        }
        return out
    }

    /// Applies `k` to pairs of elements of two same-shaped tensors (backward rules: saved value, gradient).
    static func zipSameShape<K: BinaryKernel>(_ k: K, _ a: Tensor, _ b: Tensor, cost: Int = 1) -> Tensor {
        precondition(a.shape == b.shape, "elementwise: \(a.shape) vs \(b.shape)")
        var out = Tensor(uninitializedShape: a.shape)
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in out.withUnsafeMutableBufferPointer { po in
            let x = pa.baseAddress!, y = pb.baseAddress!, dst = po.baseAddress!
            Parallel.forRows(pa.count, costPerRow: cost) { r in
                zip(k, x + r.lowerBound, 1, y + r.lowerBound, 1, dst + r.lowerBound, r.count)
            }
        } } }
        return out
    }
}
