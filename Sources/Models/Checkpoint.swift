import Autograd
import Foundation
import TensorCore

/// A checkpoint folder in the Hugging Face layout: `config.json` (its `model_type` picks the family from
/// `ModelRegistry`), `model.safetensors` under the family's Hugging Face tensor names and, when given,
/// `tokenizer.json`. A GPT-2 folder loads in `GPT2LMHeadModel` and back. Weights may also come sharded
/// (`model.safetensors.index.json` + `model-0000N-of-0000M.safetensors`), in F32, F16 or BF16; they are
/// computed in F32.
public enum Checkpoint {
    /// The index of a sharded checkpoint, mapping tensor names to shard files.
    public static let shardIndexFile = "model.safetensors.index.json"
    /// Decoding defaults that travel with a model folder.
    public static let generationConfigFile = "generation_config.json"

    /// Writes `model` (and optional extra files, e.g. `tokenizer.json`, `trainer_state.json`, and extra
    /// safetensors files such as `optimizer.safetensors`) to `directory`.
    /// The folder is assembled under a temporary name beside it and renamed into place, so a crash never leaves
    /// a half-written checkpoint; an existing folder of that name is replaced.
    ///
    /// The weights are written in `saveDType`, by default the dtype the model's checkpoint was read in (see
    /// `CheckpointProvenance`; F32 otherwise); a model that came with a `generation_config.json` writes it back.
    public static func save(_ model: any CausalLanguageModel, to directory: URL, extraFiles: [String: Data] = [:],
                            tensorFiles: [String: [String: Tensor]] = [:], saveDType: SafeTensorsDType? = nil) throws {
        try AtomicFolder.write(to: directory) { staging in
            try write(model, into: staging, extraFiles: extraFiles, saveDType: saveDType)
            for (name, file) in tensorFiles { try SafeTensors.write(file, to: staging.appendingPathComponent(name)) }
        }
    }

    /// Writes config.json, model.safetensors (in `saveDType`, by default the dtype the model was read in),
    /// `generation_config.json` when the model came with one, and `extraFiles` into an existing (staging) folder.
    public static func write(_ model: any CausalLanguageModel, into folder: URL, extraFiles: [String: Data] = [:],
                             saveDType: SafeTensorsDType? = nil) throws {
        let provenance = model as? CheckpointProvenance
        let dtype = saveDType ?? provenance?.storageDType ?? .f32
        let previous = provenance?.storageDType
        provenance?.storageDType = dtype
        defer { if let previous { provenance?.storageDType = previous } }
        if let (name, _) = model.namedParameters.first(where: { $0.1.shape == [0] }) {
            throw ModelError.invalidInput("\(name) is held in a narrowed dtype for LoRA (--base-dtype); save the adapter, or merge into an f32 base")
        }
        try model.configJSON().write(to: folder.appendingPathComponent("config.json"))
        let tensors = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.0, $0.1.value) })
        try SafeTensors.write(tensors, dtype: dtype, to: folder.appendingPathComponent("model.safetensors"))
        if let generation = provenance?.generationConfig {
            try generation.write(to: folder.appendingPathComponent(generationConfigFile))
        }
        for (name, data) in extraFiles { try data.write(to: folder.appendingPathComponent(name)) }
    }

    /// The raw `config.json` bytes of a checkpoint folder.
    public static func configData(in directory: URL) throws -> Data {
        let url = directory.appendingPathComponent("config.json")
        guard let data = try? Data(contentsOf: url) else {
            throw ModelError.badCheckpoint(path: url.path, "cannot read config.json")
        }
        return data
    }

    /// Reads the GPT-2 config of a checkpoint folder.
    public static func loadConfig(from directory: URL) throws -> GPTConfig {
        let url = directory.appendingPathComponent("config.json")
        let data = try configData(in: directory)
        do { return try JSONDecoder().decode(GPTConfig.self, from: data) } catch let e as ModelError {
            throw ModelError.badCheckpoint(path: url.path, "\(e)")
        } catch {
            throw ModelError.badCheckpoint(path: url.path, "not a GPT-2 config: \(error)")
        }
    }

    /// Loads the model of a checkpoint folder, whatever its family, checking every tensor's presence and shape
    /// against the config. Tensors the family does not use (see `parameterName(forStoredTensor:)`) are ignored.
    ///
    /// The config is trusted only after the weights agree with it: the family's expected shapes (computed from
    /// the validated config alone) are compared with the safetensors header (mapped, not decoded) before the
    /// model is built, so a config claiming 10⁵ layers fails on its first missing tensor without allocating.
    public static func load(from directory: URL) throws -> any CausalLanguageModel {
        let url = directory.appendingPathComponent("config.json")
        let config = try configData(in: directory)
        let type = try ModelRegistry.modelType(ofConfig: config, path: url.path)
        if let family = ModelRegistry.family(for: type) {
            let expected: [(String, [Int])]?
            do { expected = try family.expectedTensorShapes(configJSON: config) } catch let e as ModelError {
                throw ModelError.badCheckpoint(path: url.path, "\(e)")
            } catch {
                throw ModelError.badCheckpoint(path: url.path, "not a valid \(type) config: \(error)")
            }
            if let expected { try checkShapes(expected, in: directory) }
        }
        let model = try ModelRegistry.make(configJSON: config, path: url.path)
        try loadWeights(into: model, from: directory)
        return model
    }

    /// Compares the stored tensors' shapes (header only) with `expected`, parameter names as the family
    /// stores them, through the same name mapping `loadWeights` uses.
    static func checkShapes(_ expected: [(String, [Int])], in directory: URL) throws {
        let (url, archives) = try weightArchives(in: directory)
        var byName: [String: [Int]] = [:]
        for (name, shape) in archives.flatMap({ $0.shapes }) {
            // Without a model to ask, the families' spellings: GPT-2's with or without `transformer.`, the Llama
            // family's with or without `model.` (an exact name always wins over a prefixed alias).
            byName[name] = shape
            for prefix in ["transformer.", "model."] where !name.hasPrefix(prefix) && byName[prefix + name] == nil {
                byName[prefix + name] = shape
            }
        }
        for (name, shape) in expected {
            guard let have = byName[name] else { throw ModelError.badCheckpoint(path: url.path, "missing tensor \(name)") }
            guard have == shape else {
                throw ModelError.badCheckpoint(path: url.path, "tensor \(name) has shape \(have), config needs \(shape)")
            }
        }
    }

    /// Loads a checkpoint folder that must hold a model of family `M`.
    public static func load<M: CausalLanguageModel>(_ type: M.Type, from directory: URL) throws -> M {
        guard let model = try load(from: directory) as? M else {
            throw ModelError.badCheckpoint(path: directory.path, "not a \(M.modelTypes.joined(separator: "/")) checkpoint")
        }
        return model
    }

    /// Fills every parameter of `model` from the folder's `model.safetensors`, or from the shards its
    /// `model.safetensors.index.json` lists; a tensor holding NaN or ±Inf is refused, naming it. A model conforming to `CheckpointProvenance` remembers the stored
    /// dtype and the folder's `generation_config.json`.
    public static func loadWeights(into model: any CausalLanguageModel, from directory: URL) throws {
        let (url, archives) = try weightArchives(in: directory)
        // parameter name → where it is stored; every name and shape is checked before any tensor is decoded.
        var byName: [String: (archive: SafeTensorsArchive, name: String, shape: [Int])] = [:]
        var dtypeCounts: [SafeTensorsDType: Int] = [:]
        for archive in archives {
            let dtypes = archive.dtypes
            for (name, shape) in archive.shapes {
                guard let parameter = model.parameterName(forStoredTensor: name) else { continue }
                byName[parameter] = (archive, name, shape)
                if let dtype = dtypes[name] { dtypeCounts[dtype, default: 0] += shape.reduce(1, *) }
            }
        }
        if let provenance = model as? CheckpointProvenance {
            if let dominant = dtypeCounts.max(by: { $0.value < $1.value })?.key { provenance.storageDType = dominant }
            provenance.generationConfig = try? Data(contentsOf: directory.appendingPathComponent(generationConfigFile))
        }
        for (name, parameter) in model.namedParameters {
            guard let stored = byName[name] else {
                throw ModelError.badCheckpoint(path: url.path, "missing tensor \(name)")
            }
            guard stored.shape == parameter.shape else {
                throw ModelError.badCheckpoint(path: url.path, "tensor \(name) has shape \(stored.shape), config needs \(parameter.shape)")
            }
        }
        for (name, parameter) in model.namedParameters {
            guard let stored = byName[name], let t = stored.archive.tensor(stored.name) else { continue }
            // A diverged run's weights (NaN or ±Inf) would load and generate garbage with exit 0: refuse them.
            guard t.isFinite else {
                throw ModelError.badCheckpoint(path: url.path, "tensor \(stored.name) holds NaN or infinite values (the weights of a "
                                               + "diverged run?); refusing to load them")
            }
            parameter.assign(t)
        }
    }

    /// The folder's weight files, mapped and header-validated but not decoded: `model.safetensors`, or the shards
    /// its `model.safetensors.index.json` lists; `url` names the one to blame in messages.
    static func weightArchives(in directory: URL) throws -> (url: URL, archives: [SafeTensorsArchive]) {
        let single = directory.appendingPathComponent("model.safetensors")
        let index = directory.appendingPathComponent(shardIndexFile)
        guard !FileManager.default.fileExists(atPath: single.path), FileManager.default.fileExists(atPath: index.path) else {
            return (single, [try SafeTensorsArchive(contentsOf: single)])
        }
        var archives: [SafeTensorsArchive] = []
        for shard in try shardNames(index: index) {
            let shardURL = directory.appendingPathComponent(shard)
            guard FileManager.default.fileExists(atPath: shardURL.path) else {
                throw ModelError.badCheckpoint(path: index.path, "shard \(shard) is listed but missing")
            }
            archives.append(try SafeTensorsArchive(contentsOf: shardURL))
        }
        return (index, archives)
    }

    /// The shard files of a `model.safetensors.index.json`, in order of first appearance.
    static func shardNames(index: URL) throws -> [String] {
        guard let data = try? Data(contentsOf: index),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelError.badCheckpoint(path: index.path, "not a JSON object")
        }
        guard let map = object["weight_map"] as? [String: Any] else {
            throw ModelError.badCheckpoint(path: index.path, "weight_map is missing or not an object")
        }
        var seen = Set<String>(), order: [String] = []
        for key in map.keys.sorted() {
            guard let file = map[key] as? String, !file.isEmpty, !file.contains("/"), !file.hasPrefix(".") else {
                throw ModelError.badCheckpoint(path: index.path, "weight_map entry \(key) is not a file name in the folder")
            }
            if seen.insert(file).inserted { order.append(file) }
        }
        return order.sorted()
    }

    /// The tensors of a safetensors file in the folder (default the weights), by name.
    public static func loadTensors(from directory: URL, file: String = "model.safetensors") throws -> [String: Tensor] {
        try SafeTensors.read(contentsOf: directory.appendingPathComponent(file)).tensors
    }
}

/// A model that remembers where its weights came from, so a save writes them back the same way.
public protocol CheckpointProvenance: AnyObject {
    /// The element type of the loaded weights (F32 for a fresh model); `Checkpoint.save` keeps it by default.
    var storageDType: SafeTensorsDType { get set }
    /// The loaded folder's `generation_config.json`, if any.
    var generationConfig: Data? { get set }
}
