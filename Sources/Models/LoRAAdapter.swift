import Autograd
import TensorCore

/// A linear layer of a model that can carry a LoRA adapter (`Linear` for GPT-2's Conv1D, `Dense` for the Llama
/// family). Its base weight is frozen while an adapter is attached.
public protocol AdaptableLinear: AnyObject {
    /// The base weight, (out, in) or (in, out) per `layout`.
    var weight: Variable { get }
    /// The base bias, if the layer has one.
    var adaptableBias: Variable? { get }
    /// How `weight` is stored.
    var layout: WeightLayout { get }
    /// The adapter applied in every forward pass, or nil.
    var adapter: LoRAAdapter? { get set }
    /// The base weight narrowed to BF16/F16 (`--base-dtype`), or nil while it is held in F32.
    var narrowedWeight: NarrowedWeight? { get set }
}

extension AdaptableLinear {
    /// The base weight's shape (also after its F32 value was released for a narrowed copy).
    public var weightShape: [Int] { narrowedWeight?.shape ?? weight.shape }
    /// Input width.
    public var inFeatures: Int { layout == .outIn ? weightShape[1] : weightShape[0] }
    /// Output width.
    public var outFeatures: Int { layout == .outIn ? weightShape[0] : weightShape[1] }

    /// True when the plain trainable path applies (no adapter, nothing frozen or narrowed).
    var isPlain: Bool { adapter == nil && narrowedWeight == nil && weight.requiresGrad }

    /// x: (…, in) -> (…, out) through the frozen base plus the adapter (when adapters are switched on).
    func adaptedForward(_ x: Variable) throws -> Variable {
        let provider: () -> Tensor
        if let narrowed = narrowedWeight { provider = { narrowed.widened() } } else { let w = weight; provider = { w.value } }
        return try Variable.frozenLinear(x, weight: provider, layout: layout, bias: adaptableBias,
                                         update: LoRASwitch.isOn ? adapter?.update(for: x) : nil)
    }
}

/// A block of a model (a Llama decoder layer, a GPT-2 block) whose linear layers may carry LoRA adapters.
public protocol AdaptableBlock: Module {
    /// Its linear layers under `transformers`' module names relative to the block (`self_attn.q_proj`, `attn.c_attn`).
    var linearLayers: [(String, AdaptableLinear)] { get }
}

extension AdaptableBlock {
    /// Its own parameters and the A and B of the adapters on its linear layers, which `namedParameters` (the
    /// model's weights as checkpoints name them) does not list: what a checkpointed block trains. Without the
    /// adapters, the first block of a LoRA model (frozen embedding in, frozen weights) looked as if nothing in it
    /// needed a gradient, so it ran unchecked and kept all its activations (54 MiB of a smollm2-135m DPO step).
    public var parametersWithAdapters: [Variable] {
        parameters + linearLayers.compactMap { $0.1.adapter }.flatMap { [$0.a, $0.b] }
    }
}

/// One layer's adapter: A (r, in) Kaiming-uniform as `nn.Linear`'s default (bound 1/√in), B (out, r) zero, so a
/// fresh adapter leaves the model unchanged; the scale; and dropout on its input while gradients are recorded.
public final class LoRAAdapter {
    /// (r, in)
    public let a: Variable
    /// (out, r)
    public let b: Variable
    /// α/r or α/√r.
    public let scaling: Float
    /// Dropout probability on the adapter's input.
    public let dropout: Float
    /// The generator the dropout masks are drawn from (shared by every adapter of a model, saved in checkpoints).
    public let source: LoRADropoutSource

    /// A fresh adapter for a layer of width `nIn` -> `nOut`.
    public init(nIn: Int, nOut: Int, r: Int, scaling: Float, dropout: Float, source: LoRADropoutSource, rng: inout SeededGenerator) {
        let bound = 1 / Float(nIn).squareRoot()
        a = Variable(.uniform([r, nIn], low: -bound, high: bound, using: &rng), requiresGrad: true)
        b = Variable(.zeros([nOut, r]), requiresGrad: true)
        self.scaling = scaling
        self.dropout = dropout
        self.source = source
    }

    /// The update for input x, with a fresh dropout mask (kept entries scaled by 1/(1 − p)) when training
    /// (see `LoRADropoutCheckpointing.drawsMasks`).
    func update(for x: Variable) -> LowRankUpdate {
        guard dropout > 0, LoRADropoutCheckpointing.drawsMasks else { return LowRankUpdate(a: a, b: b, scaling: scaling) }
        let keep = 1 - dropout, kept = 1 / keep
        var mask = Tensor(uninitializedShape: x.shape)
        mask.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count { p[i] = source.rng.nextUniform() < keep ? kept : 0 }
        }
        return LowRankUpdate(a: a, b: b, scaling: scaling, inputMask: mask)
    }

    /// The dense update s·B·A (out, in).
    public func delta() throws -> Tensor {
        var d = try Tensor.matmul(b.value, a.value)
        d.scale(by: scaling)
        return d
    }
}

/// The generator of the dropout masks of a model's adapters.
public final class LoRADropoutSource {
    /// Advanced by every mask drawn.
    public var rng: SeededGenerator
    /// A source seeded with `seed`.
    public init(seed: UInt64) { rng = SeededGenerator(seed: seed) }
}

/// Whether adapters take part in forward passes. DPO with LoRA needs no second model: the reference is the same
/// model with its adapters switched off, as TRL does with PEFT models.
public enum LoRASwitch {
    nonisolated(unsafe) static var offDepth = 0
    /// True unless inside `withAdaptersDisabled`.
    public static var isOn: Bool { offDepth == 0 }
}

/// Runs `body` with every adapter switched off (the base model alone).
public func withAdaptersDisabled<R>(_ body: () throws -> R) rethrows -> R {
    LoRASwitch.offDepth += 1
    defer { LoRASwitch.offDepth -= 1 }
    return try body()
}

/// A frozen base weight held in BF16 or F16 bits and widened to F32 for each product (`--base-dtype`).
public final class NarrowedWeight {
    /// The weight's shape.
    public let shape: [Int]
    /// `bf16` or `f16`.
    public let dtype: SafeTensorsDType
    private let bits: [UInt16]

    /// Rounds `tensor` to `dtype` (round to nearest even).
    public init(_ tensor: Tensor, dtype: SafeTensorsDType) {
        shape = tensor.shape
        self.dtype = dtype
        bits = tensor.withUnsafeBufferPointer { p in
            dtype == .bf16 ? p.map(HalfPrecision.bfloat(from:)) : p.map(HalfPrecision.half(from:))
        }
    }

    /// The F32 values.
    public func widened() -> Tensor {
        var t = Tensor(uninitializedShape: shape)
        t.withUnsafeMutableBufferPointer { p in
            if dtype == .bf16 { for i in 0..<p.count { p[i] = HalfPrecision.float(fromBFloat: bits[i]) } }
            else { for i in 0..<p.count { p[i] = HalfPrecision.float(fromHalf: bits[i]) } }
        }
        return t
    }
}
