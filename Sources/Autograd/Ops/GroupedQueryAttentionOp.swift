import TensorCore

extension Variable {
    /// Fused causal grouped-query attention. q: (B, T, H·D), k, v: (B, T, KV·D) -> (B, T, H·D); see
    /// `GroupedQueryAttentionKernel`. `scale` defaults to 1/√D. `segments` (B·T) adds the packed rows' rule of
    /// `SegmentMask`.
    public static func groupedQueryAttention(q: Variable, k: Variable, v: Variable, heads: GroupedQueryAttentionKernel.Heads,
                                             scale: Float? = nil, segments: [Int32]? = nil) throws -> Variable {
        let (out, saved) = try GroupedQueryAttentionKernel.forward(q: q.value, k: k.value, v: v.value, heads: heads, scale: scale,
                                                                   segments: segments)
        return Variable.result(out, parents: [q, k, v]) { g in
            // Shapes were validated by the forward pass, so the backward cannot fail.
            let d = try! GroupedQueryAttentionKernel.backward(dOut: g, q: q.value, k: k.value, v: v.value,
                                                              saved: saved, heads: heads, scale: scale)
            q.accumulate(d.q)
            k.accumulate(d.k)
            v.accumulate(d.v)
        }
    }
}
