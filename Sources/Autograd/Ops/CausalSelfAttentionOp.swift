import TensorCore

extension Variable {
    /// Fused causal self-attention. qkv: (B, T, 3C) -> (B, T, C); see `CausalAttentionKernel`. `segments` (B·T)
    /// adds the packed rows' rule of `SegmentMask`.
    public static func causalSelfAttention(qkv: Variable, heads: Int, segments: [Int32]? = nil) throws -> Variable {
        let (out, saved) = try CausalAttentionKernel.forward(qkv: qkv.value, heads: heads, segments: segments)
        return Variable.result(out, parents: [qkv]) { g in
            // Shapes were validated by the forward pass, so the backward cannot fail.
            qkv.accumulate(try! CausalAttentionKernel.backward(dOut: g, qkv: qkv.value, saved: saved, heads: heads))
        }
    }
}
