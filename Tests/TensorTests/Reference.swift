import TensorCore

// Naive reference implementations the kernels are compared against: plain index arithmetic, no tricks.

/// Multi-index of a flat row-major position.
func unravel(_ flat: Int, _ shape: [Int]) -> [Int] {
    var rest = flat
    var idx = [Int](repeating: 0, count: shape.count)
    for axis in shape.indices.reversed() {
        idx[axis] = rest % shape[axis]
        rest /= shape[axis]
    }
    return idx
}

/// Flat row-major position of a multi-index.
func ravel(_ idx: [Int], _ shape: [Int]) -> Int {
    var flat = 0
    for axis in shape.indices { flat = flat * shape[axis] + idx[axis] }
    return flat
}

/// The flat position in `shape` that broadcasting reads for output multi-index `outIdx`.
func broadcastSource(_ outIdx: [Int], _ shape: [Int]) -> Int {
    let lead = outIdx.count - shape.count
    return ravel(shape.indices.map { shape[$0] == 1 ? 0 : outIdx[$0 + lead] }, shape)
}

/// out[i] = f(a[bcast i], b[bcast i]) for every multi-index i of `outShape`.
func naiveBroadcast(_ a: Tensor, _ b: Tensor, _ outShape: [Int], _ f: (Float, Float) -> Float) -> [Float] {
    let n = outShape.reduce(1, *)
    return (0..<n).map { flat in
        let idx = unravel(flat, outShape)
        return f(a[flat: broadcastSource(idx, a.shape)], b[flat: broadcastSource(idx, b.shape)])
    }
}

/// C = op(A)·op(B) for 2-D row-major arrays by the triple loop, accumulated in Double.
func naiveMatmul(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transA: Bool, transB: Bool) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
                let x = transA ? a[p * m + i] : a[i * k + p]
                let y = transB ? b[j * k + p] : b[p * n + j]
                s += Double(x) * Double(y)
            }
            c[i * n + j] = Float(s)
        }
    }
    return c
}

/// A tensor of uniform values from a fixed seed.
func randomTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var rng = SeededGenerator(seed: seed)
    return Tensor.uniform(shape, low: low, high: high, using: &rng)
}
