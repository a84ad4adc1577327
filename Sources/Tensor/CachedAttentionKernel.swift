import Foundation

/// Causal attention for incremental decoding: new positions attend to every cached key up to themselves.
public enum CachedAttentionKernel {
    /// qkv: (N, 3C) for N new positions starting at absolute position `start` (batch 1).
    /// Appends the new keys and values to `keys`/`values` (each (capacity, C)) at rows start..<start+N and
    /// returns the attention output (N, C). Needs start + N ≤ capacity.
    public static func forward(qkv: Tensor, heads: Int, start: Int, keys: inout Tensor, values: inout Tensor) throws -> Tensor {
        guard qkv.rank == 2, qkv.shape[1] % 3 == 0 else {
            throw TensorError.shapeMismatch(op: "cached attention", "qkv must be (N, 3C), got \(qkv.shape)")
        }
        let n = qkv.shape[0], c = qkv.shape[1] / 3
        guard keys.shape.count == 2, keys.shape[1] == c, values.shape == keys.shape, heads > 0, c % heads == 0 else {
            throw TensorError.shapeMismatch(op: "cached attention", "cache \(keys.shape) does not fit qkv \(qkv.shape)")
        }
        guard start >= 0, start + n <= keys.shape[0] else {
            throw TensorError.invalidArgument(op: "cached attention", "positions \(start)..<\(start + n) exceed the cache of \(keys.shape[0])")
        }
        let hs = c / heads
        let scale = 1 / Float(hs).squareRoot()
        var out = Tensor(uninitializedShape: [n, c])
        qkv.withUnsafeBufferPointer { x in keys.withUnsafeMutableBufferPointer { kc in values.withUnsafeMutableBufferPointer { vc in
        out.withUnsafeMutableBufferPointer { o in
            let x = x.baseAddress!, kc = kc.baseAddress!, vc = vc.baseAddress!, o = o.baseAddress!
            for i in 0..<n {
                (kc + (start + i) * c).update(from: x + i * 3 * c + c, count: c)
                (vc + (start + i) * c).update(from: x + i * 3 * c + 2 * c, count: c)
            }
            var scores = [Float](repeating: 0, count: start + n)
            for i in 0..<n {
                let p = start + i
                for h in 0..<heads {
                    let q = x + i * 3 * c + h * hs
                    var mx = -Float.infinity
                    for j in 0...p {
                        let k = kc + j * c + h * hs
                        var s: Float = 0
                        for d in 0..<hs { s += q[d] * k[d] }
                        scores[j] = s * scale
                        mx = max(mx, scores[j])
                    }
                    var z: Float = 0
                    for j in 0...p { scores[j] = expf(scores[j] - mx); z += scores[j] }
                    let dst = o + i * c + h * hs
                    for d in 0..<hs { dst[d] = 0 }
                    for j in 0...p {
                        let w = scores[j] / z, v = vc + j * c + h * hs
                        for d in 0..<hs { dst[d] += w * v[d] }
                    }
                }
            }
        } } } }
        return out
    }
}
