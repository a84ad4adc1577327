import Autograd
import TensorCore

/// y = x·W + b with W stored [in, out], as Hugging Face's GPT-2 `Conv1D` stores it, so checkpoints load without
/// transposing.
public final class Linear: Module, AdaptableLinear {
    /// (in, out)
    public let weight: Variable
    /// (out)
    public let bias: Variable

    /// Weights ~ N(0, std²), bias zero.
    public init(_ nIn: Int, _ nOut: Int, std: Float, rng: inout SeededGenerator) {
        weight = Variable(.normal([nIn, nOut], std: std, using: &rng), requiresGrad: true)
        bias = Variable(.zeros([nOut]), requiresGrad: true)
    }

    /// x: (…, in) -> (…, out); with a LoRA adapter or a frozen base, the fused frozen-base op.
    public func callAsFunction(_ x: Variable) throws -> Variable {
        isPlain ? try Variable.linear(x, weight: weight, bias: bias) : try adaptedForward(x)
    }

    /// Parameters under their Hugging Face names, relative to this module.
    public var namedParameters: [(String, Variable)] { [("weight", weight), ("bias", bias)] }

    /// The adapter, if LoRA is attached.
    public var adapter: LoRAAdapter?
    /// The base weight in BF16/F16, if narrowed.
    public var narrowedWeight: NarrowedWeight?
    /// GPT-2's Conv1D stores [in, out].
    public var layout: WeightLayout { .inOut }
    /// The bias.
    public var adaptableBias: Variable? { bias }
}

/// Layer norm over the last axis with a learned scale and shift (initialised to 1 and 0).
public final class LayerNorm: Module {
    /// (C)
    public let weight: Variable
    /// (C)
    public let bias: Variable
    /// Added to the variance.
    public let eps: Float

    /// A layer norm over `dim` features.
    public init(_ dim: Int, eps: Float) {
        weight = Variable(.ones([dim]), requiresGrad: true)
        bias = Variable(.zeros([dim]), requiresGrad: true)
        self.eps = eps
    }

    /// x: (…, C) -> (…, C)
    public func callAsFunction(_ x: Variable) throws -> Variable { try x.layerNorm(weight: weight, bias: bias, eps: eps) }

    /// Parameters under their Hugging Face names, relative to this module.
    public var namedParameters: [(String, Variable)] { [("weight", weight), ("bias", bias)] }
}
