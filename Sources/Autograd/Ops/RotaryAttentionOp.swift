import TensorCore

extension Variable {
    /// RoPE on q and k, then causal grouped-query attention, as one node that keeps only its inputs: the backward
    /// rotates q and k again and re-runs the attention forward for its probabilities, so neither the rotated
    /// projections nor the (B, H, T, T) probabilities stay alive between a layer's forward and its backward
    /// (with H = 9, T = 192 the probabilities alone are 10.6 MB a layer, 318 MB over SmolLM2's 30 layers).
    /// The recomputation runs the same kernels on the same values, so every number equals the unfused
    /// `rotaryEmbedding` + `groupedQueryAttention` pair's bit for bit; it costs one more attention forward.
    ///
    /// q: (B, T, H·D), k, v: (B, T, KV·D); cos, sin: (T, D/2), or (B·T, D/2) with one row per token (packed rows)
    /// -> (B, T, H·D). `scale` defaults to 1/√D; `segments` (B·T) adds the packed rows' rule of `SegmentMask`.
    public static func rotaryGroupedQueryAttention(q: Variable, k: Variable, v: Variable, cos: Tensor, sin: Tensor,
                                                   heads: GroupedQueryAttentionKernel.Heads, scale: Float? = nil,
                                                   segments: [Int32]? = nil) throws -> Variable {
        let attention = RecomputedAttention(cos: cos, sin: sin, heads: heads, scale: scale, segments: segments)
        let out = try attention.forward(q.value, k.value, v.value).out
        return Variable.result(out, parents: [q, k, v]) { g in
            attention.backward(g, q: q, k: k, v: v, attention.recompute(q.value, k.value, v.value))
        }
    }

    /// residual + o_proj(attention(rope(q), rope(k), v)) as one node: as `rotaryGroupedQueryAttention`, and the
    /// attention output that o_proj's dW needs is recomputed with the probabilities instead of kept (3.5 MB per
    /// SmolLM2 layer), nor is o_proj's own output (see `dense(_:weight:bias:residual:)`). The same floats as the
    /// unfused ops. Shapes as `rotaryGroupedQueryAttention`, weight: (out, H·D), bias: (out) or nil,
    /// residual: (B, T, out) -> (B, T, out).
    public static func rotaryAttentionProjection(q: Variable, k: Variable, v: Variable, cos: Tensor, sin: Tensor,
                                                 heads: GroupedQueryAttentionKernel.Heads, scale: Float? = nil, segments: [Int32]? = nil,
                                                 weight: Variable, bias: Variable?, residual: Variable) throws -> Variable {
        let attention = RecomputedAttention(cos: cos, sin: sin, heads: heads, scale: scale, segments: segments)
        var y = try DenseKernel.forward(attention.forward(q.value, k.value, v.value).out, weight: weight.value, bias: bias?.value)
        try addResidual(residual, into: &y)
        return Variable.result(y, parents: [residual, q, k, v, weight] + (bias.map { [$0] } ?? [])) { g in
            residual.accumulate(g)
            let forward = attention.recompute(q.value, k.value, v.value)
            let (dOut, dw, db) = DenseKernel.backward(g, x: forward.out, weight: weight.value)
            weight.accumulate(dw)
            bias?.accumulate(db)
            attention.backward(dOut!, q: q, k: k, v: v, forward)
        }
    }
}

/// RoPE then grouped-query attention with nothing kept: what the two fused attention nodes share.
private struct RecomputedAttention {
    let cos: Tensor, sin: Tensor
    let heads: GroupedQueryAttentionKernel.Heads
    let scale: Float?
    let segments: [Int32]?

    /// A table row per token (packed rows): rotate the tokens as one long (B·T) sequence, as `LlamaAttention` does.
    private func perToken(_ x: Tensor) -> Bool { x.rank >= 2 && cos.shape[0] != x.shape[x.rank - 2] }

    func rotate(_ x: Tensor) throws -> Tensor {
        guard perToken(x) else { return try RotaryEmbeddingKernel.forward(x, cos: cos, sin: sin, headDim: heads.size) }
        let flat = try x.reshaped([-1, x.shape[x.rank - 1]])
        return try RotaryEmbeddingKernel.forward(flat, cos: cos, sin: sin, headDim: heads.size).reshaped(x.shape)
    }

    func unrotate(_ g: Tensor) -> Tensor {
        guard perToken(g) else { return try! RotaryEmbeddingKernel.backward(g, cos: cos, sin: sin, headDim: heads.size) }
        let flat = try! g.reshaped([-1, g.shape[g.rank - 1]])
        return try! RotaryEmbeddingKernel.backward(flat, cos: cos, sin: sin, headDim: heads.size).reshaped(g.shape)
    }

    /// What one forward made: the attention output (B, T, H·D), the probabilities, the rotated q and k.
    struct Forward {
        var out: Tensor, saved: GroupedQueryAttentionKernel.Saved, q: Tensor, k: Tensor
    }

    /// q, k unrotated: (B, T, H·D), (B, T, KV·D); v: (B, T, KV·D).
    func forward(_ q: Tensor, _ k: Tensor, _ v: Tensor) throws -> Forward {
        let qr = try rotate(q), kr = try rotate(k)
        let (out, saved) = try GroupedQueryAttentionKernel.forward(q: qr, k: kr, v: v, heads: heads, scale: scale, segments: segments)
        return Forward(out: out, saved: saved, q: qr, k: kr)
    }

    /// The forward again, in a backward: the inputs were validated when it first ran, so it cannot fail.
    func recompute(_ q: Tensor, _ k: Tensor, _ v: Tensor) -> Forward { try! forward(q, k, v) }

    /// dOut: (B, T, H·D) -> gradients accumulated into q, k (through the rotation) and v, from `forward`'s recomputation.
    func backward(_ dOut: Tensor, q: Variable, k: Variable, v: Variable, _ forward: Forward) {
        let d = try! GroupedQueryAttentionKernel.backward(dOut: dOut, q: forward.q, k: forward.k, v: v.value, saved: forward.saved,
                                                          heads: heads, scale: scale)
        if q.requiresGrad { q.accumulate(unrotate(d.q)) }
        if k.requiresGrad { k.accumulate(unrotate(d.k)) }
        v.accumulate(d.v)
    }
}
