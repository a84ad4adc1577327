import Datasets
import Foundation
import Models
import Training
import TensorCore

/// What a GPO run was trained on, stored as `training.json` so that evaluation can rebuild the
/// training-average baseline and refuse to score a training group as held out.
public struct GPOTrainingInfo: Codable, Equatable, Sendable {
    /// The groups meta-trained on.
    public var trainGroups: [String]
    /// Optimizer steps taken.
    public var steps: Int
    /// Context questions per training episode.
    public var contextQuestions: Int
    /// The checkpoint folder the embeddings came from.
    public var embeddingModel: String
    /// How the embeddings were pooled (`GPOPooling` raw value); evaluation must pool the same way.
    public var pooling: String

    enum CodingKeys: String, CodingKey {
        case trainGroups = "train_groups", steps, contextQuestions = "context_questions", embeddingModel = "embedding_model", pooling
    }

    /// Training facts.
    public init(trainGroups: [String], steps: Int, contextQuestions: Int, embeddingModel: String, pooling: String) {
        self.trainGroups = trainGroups
        self.steps = steps
        self.contextQuestions = contextQuestions
        self.embeddingModel = embeddingModel
        self.pooling = pooling
    }
}

/// A GPO folder: `gpo_config.json`, `model.safetensors` (the parameters plus `embedding.mean`/`embedding.std`)
/// and `training.json`, written all at once (`AtomicFolder`).
public enum GPOCheckpoint {
    /// Writes the model and its training facts to `directory`, replacing any folder there.
    public static func save(_ model: GPOModel, info: GPOTrainingInfo, to directory: URL) throws {
        try AtomicFolder.write(to: directory) { try write(model, info: info, into: $0) }
    }

    /// Writes the folder's three files into an existing (staging) folder.
    public static func write(_ model: GPOModel, info: GPOTrainingInfo, into folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var tensors = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.0, $0.1.value) })
        tensors["embedding.mean"] = model.embeddingMean
        tensors["embedding.std"] = model.embeddingStd
        try encoder.encode(model.config).write(to: folder.appendingPathComponent("gpo_config.json"))
        try encoder.encode(info).write(to: folder.appendingPathComponent("training.json"))
        try SafeTensors.write(tensors, to: folder.appendingPathComponent("model.safetensors"))
    }

    /// Reads a folder written by `save`, checking every tensor's presence and shape; errors name the file.
    public static func load(from folder: URL) throws -> (model: GPOModel, info: GPOTrainingInfo) {
        // A run folder of `gpo train` holds the model in `final/`.
        let inRun = folder.appendingPathComponent("final")
        let directory = FileManager.default.fileExists(atPath: inRun.appendingPathComponent("gpo_config.json").path) ? inRun : folder
        let config: GPOConfig = try decode(directory.appendingPathComponent("gpo_config.json"))
        let info: GPOTrainingInfo = try decode(directory.appendingPathComponent("training.json"))
        let url = directory.appendingPathComponent("model.safetensors")
        let tensors = try SafeTensors.read(contentsOf: url).tensors
        let c = config.embeddingDimension
        guard let mean = tensors["embedding.mean"], let std = tensors["embedding.std"], mean.shape == [c], std.shape == [c] else {
            throw AlignmentError.badData(file: url.path, line: 0, "missing embedding.mean/embedding.std of shape [\(c)]")
        }
        let model = try GPOModel(config, mean: mean.scalars, std: std.scalars)
        for (name, parameter) in model.namedParameters {
            guard let t = tensors[name] else { throw AlignmentError.badData(file: url.path, line: 0, "missing tensor \(name)") }
            guard t.shape == parameter.shape else {
                throw AlignmentError.badData(file: url.path, line: 0, "tensor \(name) has shape \(t.shape), config needs \(parameter.shape)")
            }
            parameter.assign(t)
        }
        return (model, info)
    }

    static func decode<T: Decodable>(_ url: URL) throws -> T {
        guard let data = try? Data(contentsOf: url) else { throw AlignmentError.badData(file: url.path, line: 0, "cannot read the file") }
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            throw AlignmentError.badData(file: url.path, line: 0, "not a valid \(T.self): \(error)")
        }
    }
}
