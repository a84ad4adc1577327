import Autograd
import Foundation
import TensorCore

/// A resumable training checkpoint: the model folder (HF layout) plus `optimizer.safetensors` and
/// `trainer_state.json` (step, RNG state and whatever else the trainer needs to continue exactly).
public enum TrainingCheckpoint {
    /// Writes everything atomically to `directory`.
    public static func save<State: Encodable>(model: any CausalLanguageModel, optimizer: Optimizer, state: State, tokenizerJSON: Data?,
                                              to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var files = ["trainer_state.json": try encoder.encode(state)]
        if let tokenizerJSON { files["tokenizer.json"] = tokenizerJSON }
        try Checkpoint.save(model, to: directory, extraFiles: files,
                            tensorFiles: ["optimizer.safetensors": optimizer.state.tensors])
    }

    /// Reads the trainer state and restores the optimizer's buffers (the model is loaded with `Checkpoint.load`).
    public static func restore<State: Decodable>(_ type: State.Type, optimizer: Optimizer, from directory: URL) throws -> State {
        let url = directory.appendingPathComponent("trainer_state.json")
        guard let data = try? Data(contentsOf: url) else {
            throw ModelError.badCheckpoint(path: url.path, "cannot read the trainer state (is this a training checkpoint?)")
        }
        let state: State
        do { state = try JSONDecoder().decode(State.self, from: data) } catch {
            throw ModelError.badCheckpoint(path: url.path, "unreadable trainer state: \(error)")
        }
        try optimizer.loadState(OptimizerState(tensors: Checkpoint.loadTensors(from: directory, file: "optimizer.safetensors")))
        return state
    }
}
