import Foundation

/// Grouped-query causal attention for incremental decoding (batch 1): new positions attend to every cached key
/// up to themselves, query head h reading key/value head h / (H / KV).
public enum CachedGroupedAttentionKernel {
    /// q: (N, H·D), k and v: (N, KV·D) for N new positions starting at absolute position `start` (already
    /// rotated where the model uses RoPE). Appends k and v to `keys`/`values` (each (capacity, KV·D)) at rows
    /// start..<start+N and returns the attention output (N, H·D). Needs start + N ≤ capacity.
    public static func forward(q: Tensor, k: Tensor, v: Tensor, heads: GroupedQueryAttentionKernel.Heads, scale: Float? = nil,
                               start: Int, keys: inout Tensor, values: inout Tensor) throws -> Tensor {
        let (nh, nkv, d) = (heads.query, heads.keyValue, heads.size)
        guard nh > 0, nkv > 0, d > 0, nh % nkv == 0 else {
            throw TensorError.invalidArgument(op: "cached attention", "\(nh) query heads do not split into groups of \(nkv) key/value heads")
        }
        let qw = nh * d, kw = nkv * d
        guard q.rank == 2, q.shape[1] == qw, k.shape == [q.shape[0], kw], v.shape == k.shape,
              keys.rank == 2, keys.shape[1] == kw, values.shape == keys.shape else {
            throw TensorError.shapeMismatch(op: "cached attention", "q \(q.shape), k \(k.shape), v \(v.shape), cache \(keys.shape) do not fit \(nh)/\(nkv) heads of \(d)")
        }
        let n = q.shape[0]
        guard start >= 0, start + n <= keys.shape[0] else {
            throw TensorError.invalidArgument(op: "cached attention", "positions \(start)..<\(start + n) exceed the cache of \(keys.shape[0])")
        }
        let alpha = scale ?? 1 / Float(d).squareRoot()
        let group = nh / nkv
        var out = Tensor(uninitializedShape: [n, qw])
        q.withUnsafeBufferPointer { qb in k.withUnsafeBufferPointer { kb in v.withUnsafeBufferPointer { vb in
        keys.withUnsafeMutableBufferPointer { kcb in values.withUnsafeMutableBufferPointer { vcb in out.withUnsafeMutableBufferPointer { ob in
            let qp = qb.baseAddress!, kc = kcb.baseAddress!, vc = vcb.baseAddress!, o = ob.baseAddress!
            (kc + start * kw).update(from: kb.baseAddress!, count: n * kw)
            (vc + start * kw).update(from: vb.baseAddress!, count: n * kw)
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: start + n)
            defer { scores.deallocate() }
            for i in 0..<n {
                let p = start + i
                for h in 0..<nh {
                    let qh = qp + i * qw + h * d, kvh = (h / group) * d
                    for j in 0...p { scores[j] = alpha * FusedMath.dot(qh, kc + j * kw + kvh, d) }
                    CausalAttentionKernel.causalSoftmaxRow(scores, keys: p + 1, width: p + 1)
                    let dst = o + i * qw + h * d
                    dst.update(repeating: 0, count: d)
                    for j in 0...p {
                        let w = scores[j], vr = vc + j * kw + kvh
                        for e in 0..<d { dst[e] += w * vr[e] }
                    }
                }
            }
        } } } } } }
        return out
    }
}
