import Foundation
import TensorCore

/// A LoRA adapter folder as PEFT's `save_pretrained` writes it: `adapter_config.json` (PEFT's `LoraConfig`
/// keys) and `adapter_model.safetensors` (`base_model.model.<module>.lora_A.weight`, `….lora_B.weight`).
/// TinyAlign records the base model in `base_model_name_or_path` and its content fingerprint in the weights'
/// `__metadata__` (`tinyalign.base_model_fnv1a`), which PEFT carries without reading.
public enum PEFTAdapterFolder {
    /// PEFT's adapter configuration file.
    public static let configFile = "adapter_config.json"
    /// PEFT's adapter weights file.
    public static let weightsFile = "adapter_model.safetensors"
    /// The metadata key of the base model's fingerprint.
    public static let fingerprintKey = "tinyalign.base_model_fnv1a"

    /// Whether `folder` holds an adapter.
    public static func exists(at folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent(configFile).path)
    }

    /// Writes `adapters` of `model` into an existing (staging) folder.
    public static func write(_ adapters: LoRAAdapters, of model: any CausalLanguageModel, into folder: URL,
                             baseModel: String, baseFingerprint: String?) throws {
        var kinds: [String] = []
        for m in adapters.modules where !kinds.contains(LoRAConfig.kind(of: m.name)) { kinds.append(LoRAConfig.kind(of: m.name)) }
        let c = adapters.config
        let config: [String: Any] = [
            "peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": baseModel,
            "r": c.r, "lora_alpha": c.alpha.rounded() == c.alpha ? Int(c.alpha) as Any : c.alpha as Any,
            "lora_dropout": c.dropout, "use_rslora": c.useRSLoRA, "target_modules": kinds,
            "fan_in_fan_out": adapters.modules.first?.layer.layout == .inOut, "bias": "none", "use_dora": false,
            "init_lora_weights": true, "inference_mode": true, "modules_to_save": NSNull(), "rank_pattern": [String: Any](),
            "alpha_pattern": [String: Any](), "layers_to_transform": NSNull(), "layers_pattern": NSNull(), "revision": NSNull(),
        ]
        let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: folder.appendingPathComponent(configFile))
        var metadata: [String: String] = [:]
        if let baseFingerprint { metadata[fingerprintKey] = baseFingerprint }
        try SafeTensors.write(adapters.peftTensors, metadata: metadata, to: folder.appendingPathComponent(weightsFile))
    }

    /// What an adapter folder says, before it is attached.
    public struct Contents {
        /// r, α, dropout, rsLoRA and the targeted module kinds.
        public var config: LoRAConfig
        /// `base_model_name_or_path`.
        public var baseModel: String?
        /// The base model's fingerprint, when TinyAlign wrote the folder.
        public var baseFingerprint: String?
        /// The tensors under PEFT's names.
        public var tensors: [String: Tensor]
        /// The adapted module names, from the tensor names, sorted.
        public var modules: [String]
    }

    /// Reads and checks an adapter folder (written by TinyAlign or by PEFT). Only plain LoRA is accepted:
    /// no DoRA, no per-module rank or α patterns, no trained biases or extra saved modules.
    public static func read(_ folder: URL) throws -> Contents {
        let url = folder.appendingPathComponent(configFile)
        guard let data = try? Data(contentsOf: url) else {
            throw ModelError.badCheckpoint(path: url.path, "cannot read \(configFile) (is \(folder.path) a LoRA adapter folder?)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelError.badCheckpoint(path: url.path, "not a JSON object")
        }
        func bad(_ field: String, _ why: String) -> ModelError { .badCheckpoint(path: url.path, "field \(field): \(why)") }
        guard (object["peft_type"] as? String) == "LORA" else { throw bad("peft_type", "only LORA adapters are supported") }
        guard let r = (object["r"] as? NSNumber)?.intValue, r > 0 else { throw bad("r", "must be a positive integer") }
        guard let alpha = (object["lora_alpha"] as? NSNumber)?.doubleValue, alpha > 0, alpha.isFinite else {
            throw bad("lora_alpha", "must be a positive number")
        }
        let dropout = (object["lora_dropout"] as? NSNumber)?.doubleValue ?? 0
        let rs = (object["use_rslora"] as? Bool) ?? false
        if (object["use_dora"] as? Bool) == true { throw bad("use_dora", "DoRA adapters are not supported") }
        for key in ["rank_pattern", "alpha_pattern"] {
            if let pattern = object[key] as? [String: Any], !pattern.isEmpty { throw bad(key, "per-module patterns are not supported") }
        }
        if let bias = object["bias"] as? String, bias != "none" { throw bad("bias", "only \"none\" is supported, got \"\(bias)\"") }
        if let saved = object["modules_to_save"] as? [Any], !saved.isEmpty { throw bad("modules_to_save", "extra saved modules are not supported") }
        let targets: [String]
        if let list = object["target_modules"] as? [String] { targets = list } else if let one = object["target_modules"] as? String { targets = [one] } else { targets = [] }
        let weightsURL = folder.appendingPathComponent(weightsFile)
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw ModelError.badCheckpoint(path: weightsURL.path, "missing adapter weights")
        }
        let file = try SafeTensors.read(contentsOf: weightsURL)
        var modules = Set<String>()
        let prefix = "base_model.model."
        for name in file.tensors.keys {
            guard name.hasPrefix(prefix), name.hasSuffix(".lora_A.weight") || name.hasSuffix(".lora_B.weight") else {
                throw ModelError.badCheckpoint(path: weightsURL.path, "tensor \(name) is not a LoRA A/B weight under PEFT's names")
            }
            modules.insert(String(name.dropFirst(prefix.count).dropLast(".lora_A.weight".count)))
        }
        guard !modules.isEmpty else { throw ModelError.badCheckpoint(path: weightsURL.path, "no adapter tensors") }
        var config = LoRAConfig(r: r, alpha: alpha, dropout: dropout, targets: targets.map(LoRAConfig.kind(of:)), useRSLoRA: rs)
        config.targets = Array(Set(config.targets)).sorted()
        return Contents(config: config, baseModel: object["base_model_name_or_path"] as? String,
                        baseFingerprint: file.metadata[fingerprintKey], tensors: file.tensors, modules: modules.sorted())
    }

    /// Reads the adapter folder and attaches it to `model` (frozen; base weights narrowed to `baseDType`).
    /// Refuses, in one line, an adapter recorded for another base (`baseFingerprint` given and different), a
    /// module the model lacks, or a tensor whose shape does not fit.
    public static func attach(_ folder: URL, to model: any CausalLanguageModel, baseFingerprint: String?,
                              baseDType: String = "f32", seed: UInt64 = 0) throws -> LoRAAdapters {
        let contents = try read(folder)
        if let recorded = contents.baseFingerprint, let baseFingerprint, recorded != baseFingerprint {
            throw ModelError.badCheckpoint(path: folder.appendingPathComponent(weightsFile).path,
                                           "the adapter was trained on another base model (\(contents.baseModel ?? "unnamed"), "
                                           + "fingerprint \(recorded); this --model has \(baseFingerprint))")
        }
        let known = Set(model.linearModules.map(\.0))
        if let missing = contents.modules.first(where: { !known.contains($0) }) {
            let kinds = Array(Set(model.linearModules.map { LoRAConfig.kind(of: $0.0) })).sorted()
            throw ModelError.badCheckpoint(path: folder.appendingPathComponent(weightsFile).path,
                                           "the adapter adapts \(missing), which this --model does not have (its linear modules: "
                                           + "\(kinds.joined(separator: ", ")))")
        }
        var config = contents.config
        config.baseDType = baseDType
        let order = model.linearModules.map(\.0).filter { contents.modules.contains($0) }
        let adapters = try LoRAAdapters.attach(to: model, config: config, modules: order, seed: seed)
        try adapters.load(contents.tensors, path: folder.appendingPathComponent(weightsFile).path)
        return adapters
    }
}
