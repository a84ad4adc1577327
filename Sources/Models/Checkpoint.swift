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
    public static func load(from directory: URL) throws -> any CausalLanguageModel {
        let url = directory.appendingPathComponent("config.json")
        let model = try ModelRegistry.make(configJSON: configData(in: directory), path: url.path)
        try loadWeights(into: model, from: directory)
        return model
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
        let file = try SafeTensors.read(contentsOf: url)
        var byName: [String: Tensor] = [:]
        for (name, t) in file.tensors {
            if let parameter = model.parameterName(forStoredTensor: name) { byName[parameter] = t }
        }
        for (name, parameter) in model.namedParameters {
            guard let t = byName[name] else {
                throw ModelError.badCheckpoint(path: url.path, "missing tensor \(name)")
            }
            guard t.shape == parameter.shape else {
                throw ModelError.badCheckpoint(path: url.path, "tensor \(name) has shape \(t.shape), config needs \(parameter.shape)")
            }
            parameter.assign(t)
        }
    }

    /// The tensors of a safetensors file in the folder (default the weights), by name.
    public static func loadTensors(from directory: URL, file: String = "model.safetensors") throws -> [String: Tensor] {
        try SafeTensors.read(contentsOf: directory.appendingPathComponent(file)).tensors
    }
}
