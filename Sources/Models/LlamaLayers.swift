import Autograd
import TensorCore

/// y = x·Wᵀ + b with W stored [out, in], as `torch.nn.Linear` stores it, so Llama-family checkpoints load
/// without transposing (see `DenseKernel`).
public final class Dense: Module, AdaptableLinear {
    /// (out, in)
    public let weight: Variable
    /// (out), or nil for a bias-free projection.
    public let bias: Variable?

    /// Weights ~ N(0, std²), bias zero.
    public init(_ nIn: Int, _ nOut: Int, bias hasBias: Bool, std: Float, rng: inout SeededGenerator) {
        weight = Variable(.normal([nOut, nIn], std: std, using: &rng), requiresGrad: true)
        bias = hasBias ? Variable(.zeros([nOut]), requiresGrad: true) : nil
    }

    /// x: (…, in) -> (…, out); with a LoRA adapter or a frozen base, the fused frozen-base op.
    public func callAsFunction(_ x: Variable) throws -> Variable {
        isPlain ? try Variable.dense(x, weight: weight, bias: bias) : try adaptedForward(x)
    }

    /// `weight` and, when present, `bias`.
    public var namedParameters: [(String, Variable)] { [("weight", weight)] + (bias.map { [("bias", $0)] } ?? []) }

    /// The adapter, if LoRA is attached.
    public var adapter: LoRAAdapter?
    /// The base weight in BF16/F16, if narrowed.
    public var narrowedWeight: NarrowedWeight?
    /// `torch.nn.Linear` stores [out, in].
    public var layout: WeightLayout { .outIn }
    /// The bias, if any.
    public var adaptableBias: Variable? { bias }
}

/// RMS normalisation over the last axis with a learned scale (Gemma: scale 1 + weight, weight starting at 0).
public final class RMSNorm: Module {
    /// (C)
    public let weight: Variable
    /// Added to the mean square.
    public let eps: Float
    /// Scale by 1 + weight (Gemma).
    public let unitOffset: Bool

    /// A norm over `dim` features; the weight starts so the scale is one.
    public init(_ dim: Int, eps: Float, unitOffset: Bool) {
        weight = Variable(unitOffset ? .zeros([dim]) : .ones([dim]), requiresGrad: true)
        self.eps = eps
        self.unitOffset = unitOffset
    }

    /// x: (…, C) -> (…, C)
    public func callAsFunction(_ x: Variable) throws -> Variable { try x.rmsNorm(weight: weight, eps: eps, unitOffset: unitOffset) }

    /// `weight`.
    public var namedParameters: [(String, Variable)] { [("weight", weight)] }
}

/// Grouped-query self-attention with RoPE: separate q/k/v projections, optional per-head q/k norms (Qwen3),
/// and an output projection.
public final class LlamaAttention: Module {
    /// (C) -> (H·D)
    public let qProj: Dense
    /// (C) -> (KV·D)
    public let kProj: Dense
    /// (C) -> (KV·D)
    public let vProj: Dense
    /// (H·D) -> (C)
    public let oProj: Dense
    /// RMSNorm over each query head (D), Qwen3 only.
    public let qNorm: RMSNorm?
    /// RMSNorm over each key head (D), Qwen3 only.
    public let kNorm: RMSNorm?
    /// Head layout.
    public let heads: GroupedQueryAttentionKernel.Heads

    /// Layers for `config`.
    public init(_ config: LlamaConfig, rng: inout SeededGenerator) {
        let c = config.hiddenSize, d = config.headDim, std = Float(config.initializerRange)
        heads = .init(query: config.numHeads, keyValue: config.numKeyValueHeads, size: d)
        qProj = Dense(c, config.numHeads * d, bias: config.qkvBias, std: std, rng: &rng)
        kProj = Dense(c, config.numKeyValueHeads * d, bias: config.qkvBias, std: std, rng: &rng)
        vProj = Dense(c, config.numKeyValueHeads * d, bias: config.qkvBias, std: std, rng: &rng)
        oProj = Dense(config.numHeads * d, c, bias: config.outputBias, std: std, rng: &rng)
        qNorm = config.hasQKNorm ? RMSNorm(d, eps: Float(config.rmsNormEps), unitOffset: false) : nil
        kNorm = config.hasQKNorm ? RMSNorm(d, eps: Float(config.rmsNormEps), unitOffset: false) : nil
    }

    /// The projected, normed and rotated q: (…, T, H·D), k and v: (…, T, KV·D) for x: (…, T, C). cos/sin are
    /// (T, D/2), or one row per token of x (packed rows, whose positions differ from row to row).
    func projections(_ x: Variable, cos: Tensor, sin: Tensor) throws -> (q: Variable, k: Variable, v: Variable) {
        let (q, k, v) = try unrotatedProjections(x)
        guard x.shape.count >= 2, cos.shape[0] != x.shape[x.shape.count - 2] else {
            return (try q.rotaryEmbedding(cos: cos, sin: sin, headDim: heads.size),
                    try k.rotaryEmbedding(cos: cos, sin: sin, headDim: heads.size), v)
        }
        // One table row per token: rotate the tokens as one long (B·T) sequence.
        func rotated(_ y: Variable) throws -> Variable {
            try y.reshaped([-1, y.shape[y.shape.count - 1]]).rotaryEmbedding(cos: cos, sin: sin, headDim: heads.size).reshaped(y.shape)
        }
        return (try rotated(q), try rotated(k), v)
    }

    /// q: (…, T, H·D), k and v: (…, T, KV·D) for x: (…, T, C), before RoPE (normed per head for Qwen3).
    private func unrotatedProjections(_ x: Variable) throws -> (q: Variable, k: Variable, v: Variable) {
        var q = try qProj(x), k = try kProj(x)
        let v = try vProj(x)
        if let qNorm, let kNorm {
            let lead = Array(x.shape.dropLast())
            q = try qNorm(q.reshaped(lead + [heads.query, heads.size])).reshaped(lead + [heads.query * heads.size])
            k = try kNorm(k.reshaped(lead + [heads.keyValue, heads.size])).reshaped(lead + [heads.keyValue * heads.size])
        }
        return (q, k, v)
    }

    /// x: (B, T, C) with cos/sin (T, D/2) or (B·T, D/2) -> (B, T, C); `segments` (B·T) for packed rows.
    public func callAsFunction(_ x: Variable, cos: Tensor, sin: Tensor, segments: [Int32]? = nil) throws -> Variable {
        let (q, k, v) = try projections(x, cos: cos, sin: sin)
        return try oProj(Variable.groupedQueryAttention(q: q, k: k, v: v, heads: heads, segments: segments))
    }

    /// residual + attention(x), the block's first half. With `TapeMemory.recomputesInBlocks` the rotations, the
    /// probabilities and (with a plain o_proj) the attention output are recomputed in the backward and the residual
    /// add is folded into o_proj (see `rotaryAttentionProjection`); the same numbers either way.
    func callAsFunction(_ x: Variable, residual: Variable, cos: Tensor, sin: Tensor, segments: [Int32]?) throws -> Variable {
        guard TapeMemory.recomputesInBlocks else { return try residual + self(x, cos: cos, sin: sin, segments: segments) }
        let (q, k, v) = try unrotatedProjections(x)
        guard oProj.isPlain else {
            return try residual + oProj(Variable.rotaryGroupedQueryAttention(q: q, k: k, v: v, cos: cos, sin: sin, heads: heads, segments: segments))
        }
        return try Variable.rotaryAttentionProjection(q: q, k: k, v: v, cos: cos, sin: sin, heads: heads, segments: segments,
                                                      weight: oProj.weight, bias: oProj.bias, residual: residual)
    }

    /// Hugging Face names relative to `self_attn`.
    public var namedParameters: [(String, Variable)] {
        qProj.scoped("q_proj") + kProj.scoped("k_proj") + vProj.scoped("v_proj") + oProj.scoped("o_proj")
            + (qNorm?.scoped("q_norm") ?? []) + (kNorm?.scoped("k_norm") ?? [])
    }
}

/// The gated feed-forward half: down(act(gate(x)) ⊙ up(x)), SwiGLU or GeGLU fused in one op.
public final class LlamaMLP: Module {
    /// (C) -> (I)
    public let gateProj: Dense
    /// (C) -> (I)
    public let upProj: Dense
    /// (I) -> (C)
    public let downProj: Dense
    /// silu or tanh-GELU.
    public let activation: GateActivation

    /// Layers for `config`.
    public init(_ config: LlamaConfig, rng: inout SeededGenerator) {
        let c = config.hiddenSize, i = config.intermediateSize, std = Float(config.initializerRange)
        gateProj = Dense(c, i, bias: config.mlpBias, std: std, rng: &rng)
        upProj = Dense(c, i, bias: config.mlpBias, std: std, rng: &rng)
        downProj = Dense(i, c, bias: config.mlpBias, std: std, rng: &rng)
        activation = config.activation
    }

    /// x: (…, C) -> (…, C)
    public func callAsFunction(_ x: Variable) throws -> Variable {
        try downProj(Variable.gated(gate: gateProj(x), up: upProj(x), activation: activation))
    }

    /// residual + mlp(x), the block's second half. With `TapeMemory.recomputesInBlocks` (and a plain down_proj)
    /// one node recomputes act(gate) ⊙ up in the backward and folds in the residual add (see `gatedDense`);
    /// the same numbers either way.
    func callAsFunction(_ x: Variable, residual: Variable) throws -> Variable {
        guard TapeMemory.recomputesInBlocks, downProj.isPlain else { return try residual + self(x) }
        return try Variable.gatedDense(gate: gateProj(x), up: upProj(x), activation: activation, weight: downProj.weight,
                                       bias: downProj.bias, residual: residual)
    }

    /// Hugging Face names relative to `mlp`.
    public var namedParameters: [(String, Variable)] {
        gateProj.scoped("gate_proj") + upProj.scoped("up_proj") + downProj.scoped("down_proj")
    }
}

/// A pre-norm decoder layer: x + attn(norm(x)), then + mlp(norm(x)).
public final class LlamaDecoderLayer: AdaptableBlock {
    /// Norm before attention.
    public let inputLayernorm: RMSNorm
    /// Self-attention.
    public let selfAttn: LlamaAttention
    /// Norm before the MLP.
    public let postAttentionLayernorm: RMSNorm
    /// Feed-forward.
    public let mlp: LlamaMLP

    /// A layer for `config`.
    public init(_ config: LlamaConfig, rng: inout SeededGenerator) {
        let eps = Float(config.rmsNormEps)
        inputLayernorm = RMSNorm(config.hiddenSize, eps: eps, unitOffset: config.isGemma)
        selfAttn = LlamaAttention(config, rng: &rng)
        postAttentionLayernorm = RMSNorm(config.hiddenSize, eps: eps, unitOffset: config.isGemma)
        mlp = LlamaMLP(config, rng: &rng)
    }

    /// x: (B, T, C) -> (B, T, C); `segments` (B·T) for packed rows (see `SegmentMask`).
    public func callAsFunction(_ x: Variable, cos: Tensor, sin: Tensor, segments: [Int32]? = nil) throws -> Variable {
        let h = try selfAttn(inputLayernorm(x), residual: x, cos: cos, sin: sin, segments: segments)
        return try mlp(postAttentionLayernorm(h), residual: h)
    }

    /// q/k/v/o_proj and gate/up/down_proj, relative to `model.layers.{i}`.
    public var linearLayers: [(String, AdaptableLinear)] {
        [("self_attn.q_proj", selfAttn.qProj), ("self_attn.k_proj", selfAttn.kProj), ("self_attn.v_proj", selfAttn.vProj),
         ("self_attn.o_proj", selfAttn.oProj), ("mlp.gate_proj", mlp.gateProj), ("mlp.up_proj", mlp.upProj), ("mlp.down_proj", mlp.downProj)]
    }

    /// Hugging Face names relative to `model.layers.{i}`.
    public var namedParameters: [(String, Variable)] {
        inputLayernorm.scoped("input_layernorm") + selfAttn.scoped("self_attn")
            + postAttentionLayernorm.scoped("post_attention_layernorm") + mlp.scoped("mlp")
    }
}
