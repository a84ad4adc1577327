import Autograd
import Foundation
import TensorCore

/// A checkpoint folder in the Hugging Face GPT-2 layout: `config.json`, `model.safetensors` (HF tensor names,
/// Conv1D weights stored [in, out]) and, when given, `tokenizer.json`. Loads in `GPT2LMHeadModel` and back.
public enum Checkpoint {
    /// Writes `model` (and optional extra files, e.g. `tokenizer.json`, `trainer_state.json`, and extra
    /// safetensors files such as `optimizer.safetensors`) to `directory`.
    /// The folder is assembled under a temporary name beside it and renamed into place, so a crash never leaves
    /// a half-written checkpoint; an existing folder of that name is replaced.
    public static func save(_ model: GPT, to directory: URL, extraFiles: [String: Data] = [:],
                            tensorFiles: [String: [String: Tensor]] = [:]) throws {
        try AtomicFolder.write(to: directory) { staging in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(model.config).write(to: staging.appendingPathComponent("config.json"))
            let tensors = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.0, $0.1.value) })
            try SafeTensors.write(tensors, to: staging.appendingPathComponent("model.safetensors"))
            for (name, file) in tensorFiles { try SafeTensors.write(file, to: staging.appendingPathComponent(name)) }
            for (name, data) in extraFiles { try data.write(to: staging.appendingPathComponent(name)) }
        }
    }

    /// Reads the config of a checkpoint folder.
    public static func loadConfig(from directory: URL) throws -> GPTConfig {
        let url = directory.appendingPathComponent("config.json")
        guard let data = try? Data(contentsOf: url) else {
            throw ModelError.badCheckpoint(path: url.path, "cannot read config.json")
        }
        do { return try JSONDecoder().decode(GPTConfig.self, from: data) } catch let e as ModelError {
            throw ModelError.badCheckpoint(path: url.path, "\(e)")
        } catch {
            throw ModelError.badCheckpoint(path: url.path, "not a GPT-2 config: \(error)")
        }
    }

    /// Loads a model from a checkpoint folder, checking every tensor's presence and shape against the config.
    /// Accepts names with or without the `transformer.` prefix (Hub GPT-2 files use both) and ignores the
    /// tied `lm_head.weight` and the attention-mask buffers older files carry.
    public static func load(from directory: URL) throws -> GPT {
        let config = try loadConfig(from: directory)
        let model = try GPT(config)
        let url = directory.appendingPathComponent("model.safetensors")
        let file = try SafeTensors.read(contentsOf: url)
        var byName: [String: Tensor] = [:]
        for (name, t) in file.tensors {
            byName[name.hasPrefix("transformer.") ? name : "transformer." + name] = t
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
        return model
    }

    /// The tensors of a safetensors file in the folder (default the weights), by name.
    public static func loadTensors(from directory: URL, file: String = "model.safetensors") throws -> [String: Tensor] {
        try SafeTensors.read(contentsOf: directory.appendingPathComponent(file)).tensors
    }
}
