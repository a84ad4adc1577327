import Autograd
import Foundation
import Models
import TensorCore

/// The one place where training happens. For every command (pretrain, sft, align, rank, EM-DPO's M-steps,
/// GPO) it owns the data order, the optimizer steps, the evaluation cadence, `metrics.jsonl`, the progress
/// display, resumable checkpoints in `<out>/checkpoint` (refused when the settings changed) and `<out>/final`;
/// the `TrainingTask` supplies only the objective, its metrics and its evaluation.
public final class TrainingDriver {
    /// What a run ended with.
    public struct Outcome {
        /// Steps taken in total (including those of the run resumed).
        public var step: Int
        /// Whether the run reached its last step (false after `stopAfter`).
        public var finished: Bool
        /// The last train line's metrics.
        public var lastTrain: [String: Double]
        /// The last eval line's metrics (empty when the task has no held-out data).
        public var lastEval: [String: Double]
    }

    /// The model trained and how it is saved.
    public let model: Trainable
    /// The task.
    public let task: TrainingTask
    /// The optimisation settings.
    public let settings: TrainingSettings
    /// The run folder (nil: nothing is written, e.g. inside tests of a toy policy).
    public let out: URL?
    /// The optimizer step.
    public let stepper: OptimizerStep
    private let manifest: Data
    /// Held while the driver lives: one run per folder.
    private let lock: RunLock?
    private var sampler: EpochSampler?
    private var rng: SeededGenerator
    private var step = 0
    /// Extra held-out numbers computed after each evaluation (e.g. samples during eval: greedy answers written
    /// beside the run, their greedy-chosen share returned), merged into the eval line; nil: none.
    public var evaluationExtras: ((_ step: Int) throws -> [String: Double])?

    /// A driver; with `resume`, restores model, optimizer and position from `<out>/checkpoint`, refusing a
    /// checkpoint whose manifest differs from `manifest` in any setting that shapes the run.
    public init<S>(model: Trainable, task: TrainingTask, manifest: RunManifest<S>, out: URL?, resume: Bool = false) throws {
        settings = manifest.training
        guard settings.steps > 0, settings.batchSize > 0 else {
            throw TrainingError.invalidInput("steps (\(settings.steps)) and batch size (\(settings.batchSize)) must be positive")
        }
        self.model = model
        self.task = task
        self.out = out
        self.manifest = try manifest.encoded()
        lock = try out.map { try RunLock(folder: $0) }
        stepper = try OptimizerStep(parameters: model.trainableParameters, settings: settings)
        let seed = manifest.training.seed
        sampler = task.exampleCount.map { EpochSampler(count: $0, seed: seed) }
        rng = SeededGenerator(seed: seed)
        if resume {
            guard let out else { throw TrainingError.cannotResume("a run without a folder cannot resume") }
            // A kill inside a checkpoint swap leaves the complete folders beside `checkpoint/`: put the newest back.
            try AtomicFolder.recover(out.appendingPathComponent("checkpoint"))
            let state = try TrainingCheckpoint.restore(model, optimizer: stepper.optimizer, manifest: self.manifest,
                                                       from: out.appendingPathComponent("checkpoint"))
            step = state.step
            sampler = state.sampler
            rng = state.rng
            try task.restore(checkpointState: state.task.map { Data($0.utf8) })
            try AtomicFolder.recover(out.appendingPathComponent("final"))
        }
    }

    /// The step the next `run` starts from (0, or the resumed checkpoint's step).
    public var currentStep: Int { step }

    /// Trains to `settings.steps`, or stops after step `stopAfter` with a checkpoint there (as an interrupted run
    /// would, so a resume continues exactly). `progressLabel` shows a progress display on stderr.
    @discardableResult
    public func run(progressLabel: String? = nil, stopAfter: Int? = nil) throws -> Outcome {
        let last = min(stopAfter ?? settings.steps, settings.steps)
        var log: MetricsLog?
        if let out {
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            try manifest.write(to: out.appendingPathComponent("run_config.json"), options: .atomic)
            log = try MetricsLog(url: out.appendingPathComponent("metrics.jsonl"), truncateAfterStep: step > 0 ? step : nil)
        }
        let progress = progressLabel.map { ProgressBar(total: settings.steps, label: $0, startStep: step) }
        var outcome = Outcome(step: step, finished: false, lastTrain: [:], lastEval: [:])
        while step < last {
            let batch = sampler?.next(settings.batchSize) ?? []
            let (value, norm) = try stepper(step) { try task.objective(batch: batch, rng: &rng) }
            step += 1
            outcome.lastTrain = task.trainMetrics(objective: value)
            var line: [String: Any] = outcome.lastTrain
            line["step"] = step
            line["split"] = "train"
            line["grad_norm"] = norm
            line["lr"] = stepper.optimizer.lr
            if settings.logs(at: step) { try log?.write(line) }
            if settings.evaluates(at: step) {
                var eval = try task.evaluate()
                try checkEval(eval)
                if !eval.isEmpty, let evaluationExtras { eval.merge(try evaluationExtras(step)) { old, _ in old } }
                if !eval.isEmpty {
                    outcome.lastEval = eval
                    var evalLine: [String: Any] = eval
                    evalLine["step"] = step
                    evalLine["split"] = "eval"
                    try log?.write(evalLine)
                }
            }
            progress?.update(step: step, task.progressValues(train: outcome.lastTrain, eval: outcome.lastEval))
            if settings.checkpoints(at: step) || step == last { try saveCheckpoint() }
        }
        outcome.step = step
        guard step == settings.steps else { return outcome }
        outcome.finished = true
        // Resuming a finished run takes no step; it still reports the final model's held-out metrics.
        if outcome.lastEval.isEmpty { outcome.lastEval = try task.evaluate() }
        if let out {
            try checkFinite("the final model")
            try AtomicFolder.write(to: out.appendingPathComponent("final")) { try model.write(to: $0) }
        }
        return outcome
    }

    private func saveCheckpoint() throws {
        guard let out else { return }
        try checkFinite("checkpoint at step \(step)")
        let state = TrainingCheckpoint.State(step: step, sampler: sampler, rng: rng,
                                             task: try task.checkpointState().map { String(decoding: $0, as: UTF8.self) })
        try TrainingCheckpoint.save(model, optimizer: stepper.optimizer, state: state, manifest: manifest,
                                    to: out.appendingPathComponent("checkpoint"))
    }

    /// Held-out losses above this (or not finite) mean the run diverged: no language-model or preference loss
    /// of a working model is anywhere near it (cross-entropy at initialisation is ln V ≈ 11 for V = 65 536).
    public static let explodingLoss = 1e6

    /// A diverged evaluation stops the run non-zero before the step's checkpoint is written.
    private func checkEval(_ eval: [String: Double]) throws {
        for (key, value) in eval.sorted(by: { $0.key < $1.key }) where key.contains("loss") {
            guard value.isFinite, value <= Self.explodingLoss else {
                throw TrainingError.diverged("eval \(key) is \(value) at step \(step) (limit \(Self.explodingLoss)); "
                                             + "the checkpoint of this step was not written (lower --lr)")
            }
        }
    }

    /// A parameter that became NaN or infinite is never saved: the last good checkpoint stays.
    private func checkFinite(_ what: String) throws {
        for (i, p) in model.trainableParameters.enumerated() where !p.value.isFinite {
            throw TrainingError.diverged("parameter \(i) is not finite after step \(step); \(what) was not written (lower --lr)")
        }
    }
}
