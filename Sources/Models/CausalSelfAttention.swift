import Autograd
import TensorCore

/// Multi-head causal self-attention with one fused QKV projection (`c_attn`) and an output projection (`c_proj`).
public final class CausalSelfAttention: Module {
    /// (C) -> (3C): queries, keys and values side by side.
    public let cAttn: Linear
    /// (C) -> (C), a residual projection (initialised smaller, see `GPT`).
    public let cProj: Linear
    /// Number of heads.
    public let heads: Int

    /// Layers for `config`, initialised as GPT-2.
    public init(_ config: GPTConfig, rng: inout SeededGenerator) {
        let c = config.nEmbd
        cAttn = Linear(c, 3 * c, std: 0.02, rng: &rng)
        cProj = Linear(c, c, std: 0.02 / (2 * Float(config.nLayer)).squareRoot(), rng: &rng)
        heads = config.nHead
    }

    /// x: (B, T, C) -> (B, T, C); `segments` (B·T) for packed rows (see `SegmentMask`).
    public func callAsFunction(_ x: Variable, segments: [Int32]? = nil) throws -> Variable {
        try cProj(Variable.causalSelfAttention(qkv: cAttn(x), heads: heads, segments: segments))
    }

    /// Parameters under their Hugging Face names, relative to this module.
    public var namedParameters: [(String, Variable)] { cAttn.scoped("c_attn") + cProj.scoped("c_proj") }
}

/// The feed-forward half of a block: expand 4×, GELU (tanh form), project back.
public final class MLP: Module {
    /// (C) -> (4C)
    public let cFc: Linear
    /// (4C) -> (C), a residual projection.
    public let cProj: Linear

    /// Layers for `config`, initialised as GPT-2.
    public init(_ config: GPTConfig, rng: inout SeededGenerator) {
        let c = config.nEmbd
        cFc = Linear(c, 4 * c, std: 0.02, rng: &rng)
        cProj = Linear(4 * c, c, std: 0.02 / (2 * Float(config.nLayer)).squareRoot(), rng: &rng)
    }

    /// x: (B, T, C) -> (B, T, C)
    public func callAsFunction(_ x: Variable) throws -> Variable { try cProj(cFc(x).gelu()) }

    /// Parameters under their Hugging Face names, relative to this module.
    public var namedParameters: [(String, Variable)] { cFc.scoped("c_fc") + cProj.scoped("c_proj") }
}

/// A pre-LN transformer block: x + attn(ln_1(x)), then + mlp(ln_2(x)).
public final class Block: AdaptableBlock {
    /// Norm before attention.
    public let ln1: LayerNorm
    /// Causal self-attention.
    public let attn: CausalSelfAttention
    /// Norm before the MLP.
    public let ln2: LayerNorm
    /// Feed-forward.
    public let mlp: MLP

    /// A block for `config`.
    public init(_ config: GPTConfig, rng: inout SeededGenerator) {
        ln1 = LayerNorm(config.nEmbd, eps: config.layerNormEpsilon)
        attn = CausalSelfAttention(config, rng: &rng)
        ln2 = LayerNorm(config.nEmbd, eps: config.layerNormEpsilon)
        mlp = MLP(config, rng: &rng)
    }

    /// x: (B, T, C) -> (B, T, C); `segments` (B·T) for packed rows (see `SegmentMask`).
    public func callAsFunction(_ x: Variable, segments: [Int32]? = nil) throws -> Variable {
        let h = try x + attn(ln1(x), segments: segments)
        return try h + mlp(ln2(h))
    }

    /// c_attn, c_proj of attention and c_fc, c_proj of the MLP, relative to `transformer.h.{i}`.
    public var linearLayers: [(String, AdaptableLinear)] {
        [("attn.c_attn", attn.cAttn), ("attn.c_proj", attn.cProj), ("mlp.c_fc", mlp.cFc), ("mlp.c_proj", mlp.cProj)]
    }

    /// Parameters under their Hugging Face names, relative to this module.
    public var namedParameters: [(String, Variable)] {
        ln1.scoped("ln_1") + attn.scoped("attn") + ln2.scoped("ln_2") + mlp.scoped("mlp")
    }
}
