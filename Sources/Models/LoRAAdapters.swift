import Autograd
import Foundation
import TensorCore

/// The LoRA adapters attached to one model: which modules carry one, their A/B parameters (the only ones the
/// trainer updates), their PEFT tensor names, and merging them into the base weights.
public final class LoRAAdapters {
    /// The settings the adapters were made with.
    public let config: LoRAConfig
    /// Adapted modules by full `transformers` module name, in model order.
    public let modules: [(name: String, layer: AdaptableLinear, adapter: LoRAAdapter)]
    /// The dropout masks' generator.
    public let dropoutSource: LoRADropoutSource

    /// Freezes every parameter of `model`, optionally narrows the frozen projection weights to
    /// `config.baseDType`, and attaches fresh adapters (A Kaiming-uniform, B zero: the model's outputs do not
    /// change) to the modules `config.targets` pick. Throws for invalid settings or an unknown target name.
    public static func attach(to model: any CausalLanguageModel, config: LoRAConfig, seed: UInt64) throws -> LoRAAdapters {
        try config.validate()
        let targets = try config.resolveTargets(in: model)
        return try attach(to: model, config: config, modules: targets.map(\.name), seed: seed)
    }

    /// Attaches fresh adapters to exactly the named modules (e.g. those a saved adapter file names).
    static func attach(to model: any CausalLanguageModel, config: LoRAConfig, modules names: [String], seed: UInt64) throws -> LoRAAdapters {
        try config.validate()
        let byName = Dictionary(model.linearModules, uniquingKeysWith: { a, _ in a })
        if model.linearModules.contains(where: { $0.1.adapter != nil }) {
            throw ModelError.invalidInput("the model already carries LoRA adapters")
        }
        for p in model.parameters { p.setRequiresGrad(false) }
        var rng = SeededGenerator(seed: seed ^ 0x4C6F_5241)
        let source = LoRADropoutSource(seed: seed ^ 0x4472_6F70)
        var made: [(String, AdaptableLinear, LoRAAdapter)] = []
        for name in names {
            guard let layer = byName[name] else { throw ModelError.invalidInput("the model has no linear module \(name)") }
            let adapter = LoRAAdapter(nIn: layer.inFeatures, nOut: layer.outFeatures, r: config.r, scaling: config.scaling,
                                      dropout: Float(config.dropout), source: source, rng: &rng)
            layer.adapter = adapter
            made.append((name, layer, adapter))
        }
        if let dtype = SafeTensorsDType(loraBaseDType: config.baseDType), dtype != .f32 {
            for (_, layer) in model.linearModules where layer.narrowedWeight == nil {
                layer.narrowedWeight = NarrowedWeight(layer.weight.value, dtype: dtype)
                layer.weight.releaseFrozenValue()
            }
        }
        return LoRAAdapters(config: config, modules: made, dropoutSource: source)
    }

    init(config: LoRAConfig, modules: [(String, AdaptableLinear, LoRAAdapter)], dropoutSource: LoRADropoutSource) {
        self.config = config
        self.modules = modules.map { (name: $0.0, layer: $0.1, adapter: $0.2) }
        self.dropoutSource = dropoutSource
    }

    /// A then B of every module, in model order: what the optimizer trains.
    public var parameters: [Variable] { modules.flatMap { [$0.adapter.a, $0.adapter.b] } }

    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// PEFT's tensor name of a module's A or B: `base_model.model.<module>.lora_A.weight`.
    public static func peftName(module: String, _ which: String) -> String { "base_model.model.\(module).lora_\(which).weight" }

    /// Every adapter tensor under PEFT's names.
    public var peftTensors: [String: Tensor] {
        var out: [String: Tensor] = [:]
        for m in modules {
            out[Self.peftName(module: m.name, "A")] = m.adapter.a.value
            out[Self.peftName(module: m.name, "B")] = m.adapter.b.value
        }
        return out
    }

    /// Fills every adapter from tensors under PEFT's names; a missing tensor or a shape that does not fit the
    /// model's module throws, naming `path`, the tensor and both shapes.
    public func load(_ tensors: [String: Tensor], path: String) throws {
        for m in modules {
            for (which, v) in [("A", m.adapter.a), ("B", m.adapter.b)] {
                let name = Self.peftName(module: m.name, which)
                guard let t = tensors[name] else { throw ModelError.badCheckpoint(path: path, "missing tensor \(name)") }
                guard t.shape == v.shape else {
                    throw ModelError.badCheckpoint(path: path, "tensor \(name) has shape \(t.shape), but this model's \(m.name) "
                                                   + "(\(m.layer.inFeatures) -> \(m.layer.outFeatures)) needs \(v.shape) at r \(config.r)")
                }
            }
        }
        for m in modules {
            m.adapter.a.assign(tensors[Self.peftName(module: m.name, "A")]!)
            m.adapter.b.assign(tensors[Self.peftName(module: m.name, "B")]!)
        }
    }

    /// Adds each adapter's s·B·A into its base weight (transposed for [in, out] layouts), removes the adapters
    /// and unfreezes the model: afterwards it is a plain model that computes what base + adapters computed.
    /// The base weights must be held in F32.
    public func mergeAndUnload(from model: any CausalLanguageModel) throws {
        for m in modules {
            guard m.layer.narrowedWeight == nil else {
                throw ModelError.invalidInput("cannot merge into \(m.name): its base weight is held in \(config.baseDType); load the base in f32")
            }
            let delta = try m.adapter.delta()
            var w = m.layer.weight.value
            if m.layer.layout == .outIn { w.add(delta) } else {
                let (nIn, nOut) = (m.layer.inFeatures, m.layer.outFeatures)
                w.withUnsafeMutableBufferPointer { pw in delta.withUnsafeBufferPointer { pd in
                    for i in 0..<nIn { for o in 0..<nOut { pw[i * nOut + o] += pd[o * nIn + i] } }
                } }
            }
            m.layer.weight.assign(w)
            m.layer.adapter = nil
        }
        for p in model.parameters { p.setRequiresGrad(true) }
    }
}

extension SafeTensorsDType {
    /// `f32`, `bf16` or `f16` as `--base-dtype` spells them.
    public init?(loraBaseDType name: String) {
        switch name {
        case "f32": self = .f32
        case "bf16": self = .bf16
        case "f16": self = .f16
        default: return nil
        }
    }
}
