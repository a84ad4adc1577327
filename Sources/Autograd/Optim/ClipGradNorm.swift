import TensorCore

/// Scales all gradients together so that their global L2 norm is at most `maxNorm`, like
/// `torch.nn.utils.clip_grad_norm_`: norm = √(Σ over every gradient element of g²); when
/// `maxNorm / (norm + 1e-6) < 1` every gradient is multiplied by that factor. Parameters without a gradient are
/// ignored. Returns the norm before clipping (log it: spikes show instability). A NaN norm leaves the gradients
/// as they are, so callers should check the result before stepping.
@discardableResult
public func clipGradNorm(_ parameters: [Variable], maxNorm: Float) -> Float {
    var sumSquares = 0.0
    for p in parameters {
        guard let g = p.grad else { continue }
        sumSquares += g.withUnsafeBufferPointer(sumOfSquares)
    }
    let norm = Float(sumSquares.squareRoot())
    let factor = maxNorm / (norm + 1e-6)
    if factor < 1 {
        for p in parameters where p.grad != nil { p.grad!.scale(by: factor) }
    }
    return norm
}

/// Σ x², accumulated in 8 Float lanes over blocks and the blocks in Float64, so large tensors lose no precision.
private func sumOfSquares(_ x: UnsafeBufferPointer<Float>) -> Double {
    guard let base = x.baseAddress else { return 0 }
    let raw = UnsafeRawPointer(base)
    var total = 0.0
    var i = 0
    while i < x.count {
        let end = min(x.count, i + 4096)
        var lanes = SIMD8<Float>()
        while i + 8 <= end {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            lanes += v * v
            i += 8
        }
        var block = Double(lanes.sum())
        while i < end { block += Double(x[i] * x[i]); i += 1 }
        total += block
    }
    return total
}
