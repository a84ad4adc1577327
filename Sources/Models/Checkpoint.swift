import Autograd
import Foundation
import TensorCore

/// A checkpoint folder in the Hugging Face layout: `config.json` (its `model_type` picks the family from
/// `ModelRegistry`), `model.safetensors` under the family's Hugging Face tensor names and, when given,
/// `tokenizer.json`. A GPT-2 folder loads in `GPT2LMHeadModel` and back.
public enum Checkpoint {
    /// Writes `model` (and optional extra files, e.g. `tokenizer.json`, `trainer_state.json`, and extra
    /// safetensors files such as `optimizer.safetensors`) to `directory`.
    /// The folder is assembled under a temporary name beside it and renamed into place, so a crash never leaves
    /// a half-written checkpoint; an existing folder of that name is replaced.
    public static func save(_ model: any CausalLanguageModel, to directory: URL, extraFiles: [String: Data] = [:],
                            tensorFiles: [String: [String: Tensor]] = [:]) throws {
        try AtomicFolder.write(to: directory) { staging in
            try write(model, into: staging, extraFiles: extraFiles)
            for (name, file) in tensorFiles { try SafeTensors.write(file, to: staging.appendingPathComponent(name)) }
        }
    }

    /// Writes config.json, model.safetensors and `extraFiles` into an existing (staging) folder.
    public static func write(_ model: any CausalLanguageModel, into folder: URL, extraFiles: [String: Data] = [:]) throws {
        try model.configJSON().write(to: folder.appendingPathComponent("config.json"))
        let tensors = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.0, $0.1.value) })
        try SafeTensors.write(tensors, to: folder.appendingPathComponent("model.safetensors"))
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
        let url = directory.appendingPathComponent("model.safetensors")
        let stored = try SafeTensorsArchive(contentsOf: url).shapes
        var byName: [String: [Int]] = [:]
        for (name, shape) in stored {
            // Without a model to ask, GPT-2's mapping: with or without the `transformer.` prefix.
            byName[name] = shape
            if !name.hasPrefix("transformer.") { byName["transformer." + name] = shape }
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

    /// Fills every parameter of `model` from the folder's `model.safetensors`.
    public static func loadWeights(into model: any CausalLanguageModel, from directory: URL) throws {
        let url = directory.appendingPathComponent("model.safetensors")
        let archive = try SafeTensorsArchive(contentsOf: url)
        var byName: [String: String] = [:]
        for name in archive.shapes.keys {
            if let parameter = model.parameterName(forStoredTensor: name) { byName[parameter] = name }
        }
        let shapes = archive.shapes
        // Every name and shape first, then the data: a mismatch allocates nothing.
        for (name, parameter) in model.namedParameters {
            guard let stored = byName[name], let shape = shapes[stored] else {
                throw ModelError.badCheckpoint(path: url.path, "missing tensor \(name)")
            }
            guard shape == parameter.shape else {
                throw ModelError.badCheckpoint(path: url.path, "tensor \(name) has shape \(shape), config needs \(parameter.shape)")
            }
        }
        for (name, parameter) in model.namedParameters {
            if let stored = byName[name], let t = archive.tensor(stored) { parameter.assign(t) }
        }
    }

    /// The tensors of a safetensors file in the folder (default the weights), by name.
    public static func loadTensors(from directory: URL, file: String = "model.safetensors") throws -> [String: Tensor] {
        try SafeTensors.read(contentsOf: directory.appendingPathComponent(file)).tensors
    }
}
