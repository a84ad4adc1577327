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

    /// The largest rank an adapter file may declare. PEFT sets no limit, but a rank is only meaningful up to a
    /// module's width (2¹⁷ at most in either family, `LlamaConfig`'s bound), and it is checked against the tensors'
    /// shapes before anything is allocated for it.
    public static let maxRank = 1 << 17

    /// Reads and checks an adapter folder (written by TinyAlign or by PEFT). Only plain LoRA is accepted:
    /// no DoRA, no per-module rank or α patterns, no trained biases or extra saved modules.
    ///
    /// Bounds: `adapter_config.json` holds typed values (`r` an integer in 1…`maxRank`, `lora_alpha` a positive
    /// finite number, `lora_dropout` in [0, 1), flags booleans, `target_modules` a string or strings), and every
    /// tensor is a 2-D `lora_A` of shape [r, in] or `lora_B` of shape [out, r], in pairs, under a non-empty module
    /// name; the weights file has the safetensors reader's bounds (`SafeTensorsReader`). A file that claims a rank
    /// the tensors do not have is refused before any adapter is built.
    public static func read(_ folder: URL) throws -> Contents {
        let url = folder.appendingPathComponent(configFile)
        guard let data = try? Data(contentsOf: url) else {
            throw ModelError.badCheckpoint(path: url.path, "cannot read \(configFile) (is \(folder.path) a LoRA adapter folder?)")
        }
        let (config, baseModel) = try parseConfig(data, path: url.path)
        let weightsURL = folder.appendingPathComponent(weightsFile)
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw ModelError.badCheckpoint(path: weightsURL.path, "missing adapter weights")
        }
        return try contents(config: config, baseModel: baseModel, weights: SafeTensors.read(contentsOf: weightsURL), path: weightsURL.path)
    }

    /// The LoRA settings and base model of an `adapter_config.json`'s bytes, or an error naming `path` and the field.
    static func parseConfig(_ data: Data, path: String) throws -> (config: LoRAConfig, baseModel: String?) {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelError.badCheckpoint(path: path, "not a JSON object")
        }
        func bad(_ field: String, _ why: String) -> ModelError { .badCheckpoint(path: path, "field \(field): \(why)") }
        /// A JSON number (not a boolean) of `key`, nil when absent or null.
        func number(_ key: String) throws -> Double? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            guard let n = value as? NSNumber, String(cString: n.objCType) != "c" else { throw bad(key, "must be a number") }
            return n.doubleValue
        }
        func flag(_ key: String) throws -> Bool? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            guard let n = value as? NSNumber, String(cString: n.objCType) == "c" else { throw bad(key, "must be true or false") }
            return n.boolValue
        }
        guard (object["peft_type"] as? String) == "LORA" else { throw bad("peft_type", "only LORA adapters are supported") }
        guard let rank = try number("r"), rank.rounded() == rank, rank >= 1, rank <= Double(maxRank) else {
            throw bad("r", "must be an integer from 1 to \(maxRank)")
        }
        guard let alpha = try number("lora_alpha"), alpha > 0, alpha.isFinite else {
            throw bad("lora_alpha", "must be a positive number")
        }
        let dropout = try number("lora_dropout") ?? 0
        guard dropout >= 0, dropout < 1 else { throw bad("lora_dropout", "must lie in [0, 1), got \(dropout)") }
        let rs = try flag("use_rslora") ?? false
        if try flag("use_dora") == true { throw bad("use_dora", "DoRA adapters are not supported") }
        for key in ["rank_pattern", "alpha_pattern"] {
            if let pattern = object[key] as? [String: Any], !pattern.isEmpty { throw bad(key, "per-module patterns are not supported") }
        }
        if let bias = object["bias"] as? String, bias != "none" { throw bad("bias", "only \"none\" is supported, got \"\(bias)\"") }
        if let saved = object["modules_to_save"] as? [Any], !saved.isEmpty { throw bad("modules_to_save", "extra saved modules are not supported") }
        let targets: [String]
        switch object["target_modules"] {
        case nil, is NSNull: targets = []
        case let one as String: targets = [one]
        case let list as [Any]:
            targets = try list.map { item in
                guard let name = item as? String else { throw bad("target_modules", "must be a module name or a list of module names") }
                return name
            }
        default: throw bad("target_modules", "must be a module name or a list of module names")
        }
        if let base = object["base_model_name_or_path"], !(base is NSNull), !(base is String) {
            throw bad("base_model_name_or_path", "must be a string")
        }
        var config = LoRAConfig(r: Int(rank), alpha: alpha, dropout: dropout, targets: targets.map(LoRAConfig.kind(of:)), useRSLoRA: rs)
        config.targets = Array(Set(config.targets)).sorted()
        return (config, object["base_model_name_or_path"] as? String)
    }

    /// The contents of an adapter whose config parsed to `config`: the tensors' names and shapes are checked
    /// against PEFT's layout and the rank (errors name `path`, the weights file).
    static func contents(config: LoRAConfig, baseModel: String?, weights file: SafeTensorsFile, path: String) throws -> Contents {
        var modules: [String: (a: Bool, b: Bool)] = [:]
        let prefix = "base_model.model."
        for (name, tensor) in file.tensors.sorted(by: { $0.key < $1.key }) {
            let isA = name.hasSuffix(".lora_A.weight"), isB = name.hasSuffix(".lora_B.weight")
            guard name.hasPrefix(prefix), isA || isB, name.count > prefix.count + ".lora_A.weight".count else {
                throw ModelError.badCheckpoint(path: path, "tensor \(name) is not a LoRA A/B weight under PEFT's names")
            }
            let module = String(name.dropFirst(prefix.count).dropLast(".lora_A.weight".count))
            let shape = tensor.shape
            guard shape.count == 2, shape.allSatisfy({ $0 > 0 }), (isA ? shape[0] : shape[1]) == config.r else {
                throw ModelError.badCheckpoint(path: path, "tensor \(name) has shape \(shape), but a rank-\(config.r) adapter's "
                                               + (isA ? "lora_A is [\(config.r), in]" : "lora_B is [out, \(config.r)]")
                                               + " (adapter_config.json's r)")
            }
            var seen = modules[module] ?? (false, false)
            if isA { seen.a = true } else { seen.b = true }
            modules[module] = seen
        }
        guard !modules.isEmpty else { throw ModelError.badCheckpoint(path: path, "no adapter tensors") }
        if let (module, seen) = modules.sorted(by: { $0.key < $1.key }).first(where: { !$0.value.a || !$0.value.b }) {
            throw ModelError.badCheckpoint(path: path, "module \(module) has lora_\(seen.a ? "A" : "B") but no lora_\(seen.a ? "B" : "A")")
        }
        return Contents(config: config, baseModel: baseModel, baseFingerprint: file.metadata[fingerprintKey], tensors: file.tensors,
                        modules: modules.keys.sorted())
    }

    /// Reads the adapter folder and attaches it to `model` (frozen; base weights narrowed to `baseDType`).
    /// Refuses, in one line, an adapter recorded for another base (`baseFingerprint` given and different), a
    /// module the model lacks, or a tensor whose shape does not fit.
    public static func attach(_ folder: URL, to model: any CausalLanguageModel, baseFingerprint: String?,
                              baseDType: String = "f32", seed: UInt64 = 0) throws -> LoRAAdapters {
        try attach(read(folder), weightsPath: folder.appendingPathComponent(weightsFile).path, to: model,
                   baseFingerprint: baseFingerprint, baseDType: baseDType, seed: seed)
    }

    /// Attaches adapter `contents` read from `weightsPath` (named in errors) to `model`, as `attach(_:to:…)` does.
    static func attach(_ contents: Contents, weightsPath: String, to model: any CausalLanguageModel, baseFingerprint: String?,
                       baseDType: String = "f32", seed: UInt64 = 0) throws -> LoRAAdapters {
        if let recorded = contents.baseFingerprint, let baseFingerprint, recorded != baseFingerprint {
            throw ModelError.badCheckpoint(path: weightsPath,
                                           "the adapter was trained on another base model (\(contents.baseModel ?? "unnamed"), "
                                           + "fingerprint \(recorded); this --model has \(baseFingerprint))")
        }
        let known = Set(model.linearModules.map(\.0))
        if let missing = contents.modules.first(where: { !known.contains($0) }) {
            let kinds = Array(Set(model.linearModules.map { LoRAConfig.kind(of: $0.0) })).sorted()
            throw ModelError.badCheckpoint(path: weightsPath,
                                           "the adapter adapts \(missing), which this --model does not have (its linear modules: "
                                           + "\(kinds.joined(separator: ", ")))")
        }
        // Shapes against the model before any adapter is allocated: the adapters then take no more memory than
        // the file's own tensors, whatever rank it claims.
        let byName = Dictionary(model.linearModules, uniquingKeysWith: { a, _ in a })
        let r = contents.config.r
        for module in contents.modules {
            guard let layer = byName[module] else { continue }
            for (which, want) in [("A", [r, layer.inFeatures]), ("B", [layer.outFeatures, r])] {
                let name = LoRAAdapters.peftName(module: module, which)
                if let have = contents.tensors[name]?.shape, have != want {
                    throw ModelError.badCheckpoint(path: weightsPath, "tensor \(name) has shape \(have), but this model's \(module) "
                                                   + "(\(layer.inFeatures) -> \(layer.outFeatures)) needs \(want) at r \(r)")
                }
            }
        }
        var config = contents.config
        config.baseDType = baseDType
        let order = model.linearModules.map(\.0).filter { contents.modules.contains($0) }
        let adapters = try LoRAAdapters.attach(to: model, config: config, modules: order, seed: seed)
        try adapters.load(contents.tensors, path: weightsPath)
        return adapters
    }
}
