import Autograd
import Foundation
import Models
import TensorCore

/// A resumable training checkpoint folder: the model's own files (a Hugging Face folder for a language model),
/// `optimizer.safetensors` (AdamW's moments and step), `trainer_state.json` (step, data order, RNG, the task's
/// state) and `run_config.json` (the manifest the run was started with, checked on resume).
public enum TrainingCheckpoint {
    /// What the driver needs to continue exactly where it stopped.
    public struct State: Codable {
        /// Steps taken.
        public var step: Int
        /// The epoch sampler's position (nil for tasks that draw their own batches).
        public var sampler: EpochSampler?
        /// The run's generator.
        public var rng: SeededGenerator
        /// The task's own state (JSON text), e.g. α.
        public var task: String?
    }

    /// Writes everything atomically to `directory`.
    public static func save(_ model: Trainable, optimizer: Optimizer, state: State, manifest: Data, to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let stateData = try encoder.encode(state)
        try AtomicFolder.write(to: directory) { staging in
            try model.writeExactly(to: staging)
            try SafeTensors.write(optimizer.state.tensors, to: staging.appendingPathComponent("optimizer.safetensors"))
            try stateData.write(to: staging.appendingPathComponent("trainer_state.json"))
            try manifest.write(to: staging.appendingPathComponent("run_config.json"))
        }
    }

    /// Whether `directory` holds a training checkpoint.
    public static func exists(at directory: URL) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("trainer_state.json").path)
    }

    /// Restores the model's weights and the optimizer's buffers from `directory` after checking that its
    /// manifest agrees with `manifest`; returns the driver state.
    public static func restore(_ model: Trainable, optimizer: Optimizer, manifest: Data, from directory: URL) throws -> State {
        guard exists(at: directory) else {
            throw TrainingError.cannotResume("no training checkpoint in \(directory.path)")
        }
        let savedManifest = directory.appendingPathComponent("run_config.json")
        guard let saved = try? Data(contentsOf: savedManifest) else {
            throw TrainingError.cannotResume("\(savedManifest.path) is missing")
        }
        try ResumeCheck.check(saved: saved, requested: manifest, folder: directory.deletingLastPathComponent().path)
        let url = directory.appendingPathComponent("trainer_state.json")
        let state: State
        do { state = try JSONDecoder().decode(State.self, from: Data(contentsOf: url)) } catch {
            throw TrainingError.cannotResume("\(url.path): unreadable trainer state (\(error))")
        }
        try model.read(from: directory)
        let tensors = try SafeTensors.read(contentsOf: directory.appendingPathComponent("optimizer.safetensors")).tensors
        try optimizer.loadState(OptimizerState(tensors: tensors))
        return state
    }
}
