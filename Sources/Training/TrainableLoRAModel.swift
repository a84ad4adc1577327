import Autograd
import Foundation
import Models
import TensorCore

/// A language model trained through LoRA adapters: the optimizer sees only the adapters' A and B, so gradients
/// and AdamW moments exist for them alone, and every folder written (checkpoints and `final/`) holds only the
/// adapter, as PEFT's `save_pretrained` writes it, plus the tokenizer files. The base model is recorded by path
/// and fingerprint, so the adapter is refused on any other base.
public final class TrainableLoRAModel: Trainable {
    /// The model, frozen, with the adapters attached.
    public let model: any CausalLanguageModel
    /// The adapters.
    public let adapters: LoRAAdapters
    /// `base_model_name_or_path`.
    public let baseModel: String
    /// The base folder's fingerprint (`FileFingerprint.fnv1a`).
    public let baseFingerprint: String
    /// Files copied into every folder written (tokenizer files).
    public let extraFiles: [String: Data]

    /// The dropout generator's state in a checkpoint, so a resumed run draws the same masks.
    public static let dropoutStateFile = "lora_dropout_state.json"

    /// Wraps a model whose adapters are attached.
    public init(_ model: any CausalLanguageModel, adapters: LoRAAdapters, baseModel: String, baseFingerprint: String,
                extraFiles: [String: Data] = [:]) {
        self.model = model
        self.adapters = adapters
        self.baseModel = baseModel
        self.baseFingerprint = baseFingerprint
        self.extraFiles = extraFiles
    }

    /// Attaches fresh adapters made with `config` to the model of the base folder `base`.
    public static func attach(to model: any CausalLanguageModel, base: URL, config: LoRAConfig, seed: UInt64,
                              extraFiles: [String: Data] = [:]) throws -> TrainableLoRAModel {
        let adapters = try LoRAAdapters.attach(to: model, config: config, seed: seed)
        return TrainableLoRAModel(model, adapters: adapters, baseModel: base.path,
                                  baseFingerprint: try FileFingerprint(of: base).fnv1a, extraFiles: extraFiles)
    }

    /// A then B of every adapter.
    public var trainableParameters: [Variable] { adapters.parameters }

    /// adapter_config.json, adapter_model.safetensors and the extra files.
    public func write(to folder: URL) throws {
        try PEFTAdapterFolder.write(adapters, of: model, into: folder, baseModel: baseModel, baseFingerprint: baseFingerprint)
        for (name, data) in extraFiles { try data.write(to: folder.appendingPathComponent(name)) }
    }

    /// The same files plus the dropout generator's state.
    public func writeExactly(to folder: URL) throws {
        try write(to: folder)
        try JSONEncoder().encode(adapters.dropoutSource.rng).write(to: folder.appendingPathComponent(Self.dropoutStateFile))
    }

    /// The adapter weights (and dropout state, when present) of a folder `write` produced for this base.
    public func read(from folder: URL) throws {
        let contents = try PEFTAdapterFolder.read(folder)
        if let recorded = contents.baseFingerprint, recorded != baseFingerprint {
            throw TrainingError.cannotResume("\(folder.path) holds an adapter for another base model (fingerprint \(recorded), this run's base has \(baseFingerprint))")
        }
        try adapters.load(contents.tensors, path: folder.appendingPathComponent(PEFTAdapterFolder.weightsFile).path)
        let state = folder.appendingPathComponent(Self.dropoutStateFile)
        if let data = try? Data(contentsOf: state) {
            adapters.dropoutSource.rng = try JSONDecoder().decode(SeededGenerator.self, from: data)
        }
    }
}
