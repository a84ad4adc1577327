import Autograd
import Distributed
import Foundation
import Models
import TensorCore

/// The one place where training happens. For every command (pretrain, sft, align, rank, EM-DPO's M-steps,
/// GPO) it owns the data order, the optimizer steps, the evaluation cadence, `metrics.jsonl`, the progress
/// display, resumable checkpoints in `<out>/checkpoint` (refused when the settings changed) and `<out>/final`;
/// the `TrainingTask` supplies only the objective, its metrics and its evaluation.
///
/// Under `mpirun` it trains data-parallel (see `DataParallel`): every rank draws the same global batch, computes
/// its slice, and the summed gradients give every rank the same step; only rank 0 writes the run folder.
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
        /// The task stopped the run early (`TrainingTask.stopRequested`); `final` holds the model of that step.
        public var stoppedEarly = false
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
    /// The ranks training together (one process without a launcher).
    public let communicator: Communicator
    /// Examples per step over all ranks.
    public let globalBatch: Int
    private let dataParallel: DataParallel?
    /// Extra held-out numbers computed after each evaluation (e.g. samples during eval: greedy answers written
    /// beside the run, their greedy-chosen share returned), merged into the eval line; nil: none.
    public var evaluationExtras: ((_ step: Int) throws -> [String: Double])?

    /// A driver; with `resume`, restores model, optimizer and position from `<out>/checkpoint`, refusing a
    /// checkpoint whose manifest differs from `manifest` in any setting that shapes the run.
    /// `communicator` defaults to the process's `World` (the ranks of an `mpirun` job, else one process); with
    /// several ranks, the settings, data and initial weights must agree on all of them, and nothing is written
    /// before they do.
    public init<S>(model: Trainable, task: TrainingTask, manifest: RunManifest<S>, out: URL?, resume: Bool = false,
                   communicator: Communicator? = nil) throws {
        let comm = try communicator ?? World.communicator()
        self.communicator = comm
        var manifest = manifest
        if comm.size > 1 { manifest.training.ranks = comm.size }
        settings = manifest.training
        guard settings.steps > 0, settings.batchSize > 0, (settings.globalBatchSize ?? 1) > 0 else {
            throw TrainingError.invalidInput("steps (\(settings.steps)) and batch size (\(settings.batchSize)) must be positive")
        }
        globalBatch = settings.globalBatch(ranks: comm.size)
        if comm.size > 1 {
            guard task.supportsDataParallel else {
                throw DistributedError.invalidSetup("\(type(of: task)) does not train data-parallel yet; run it without mpirun")
            }
            guard globalBatch % comm.size == 0 else {
                throw DistributedError.invalidSetup("the global batch size \(globalBatch) does not divide by the \(comm.size) ranks")
            }
            dataParallel = DataParallel(communicator: comm)
        } else {
            dataParallel = nil
        }
        if settings.microBatchCount != 1 {
            try settings.validateGradAccum()
            guard task is MicroBatchedTask, task.exampleCount != nil else {
                throw TrainingError.invalidInput("--grad-accum is not supported by this trainer (\(type(of: task)))")
            }
        }
        model.setActivationCheckpointing(settings.checkpointActivations ?? false)
        if comm.size > 1, settings.microBatchCount != 1 {
            throw DistributedError.invalidSetup("--grad-accum under mpirun is not supported yet: raise --global-batch-size or run one process")
        }
        self.model = model
        self.task = task
        self.out = out
        self.manifest = try manifest.encoded()
        if let dataParallel {
            var h = try Self.settingsFingerprint(self.manifest) ^ (task.dataFingerprint ?? 0)
            h = (h ^ (resume ? 1 : 0)) &* 0x100_0000_01b3
            try dataParallel.requireAgreement(h, "the settings, data files or --resume (start every rank with the same command and files)")
        }
        lock = comm.isLeader ? try out.map { try RunLock(folder: $0) } : nil
        stepper = try OptimizerStep(parameters: model.trainableParameters, settings: settings)
        stepper.dataParallel = dataParallel
        let seed = manifest.training.seed
        sampler = task.exampleCount.map { EpochSampler(count: $0, seed: seed) }
        rng = SeededGenerator(seed: seed)
        if resume {
            guard let out else { throw TrainingError.cannotResume("a run without a folder cannot resume") }
            // A kill inside a checkpoint swap leaves the complete folders beside `checkpoint/`: put the newest back.
            if comm.isLeader { try AtomicFolder.recover(out.appendingPathComponent("checkpoint")) }
            try comm.barrier()
            let state = try TrainingCheckpoint.restore(model, optimizer: stepper.optimizer, manifest: self.manifest,
                                                       from: out.appendingPathComponent("checkpoint"))
            step = state.step
            sampler = state.sampler
            rng = state.rng
            try task.restore(checkpointState: state.task.map { Data($0.utf8) })
            if comm.isLeader { try AtomicFolder.recover(out.appendingPathComponent("final")) }
        }
        try dataParallel?.requireAgreement(DataParallel.checksum(model.trainableParameters),
                                           "the \(resume ? "resumed" : "initial") weights (every rank must load the same model)")
    }

    /// The manifest's fingerprint without what may differ between hosts (paths, the command line's spelling).
    static func settingsFingerprint(_ manifest: Data) throws -> UInt64 {
        let flat = try ResumeCheck.flatten(manifest)
        var h = Fingerprint.seed
        for key in flat.keys.sorted() where !key.hasSuffix(".path") && key != "command_line" {
            h = Fingerprint.of(Data("\(key)=\(flat[key]!);".utf8), from: h)
        }
        return h
    }

    /// The step the next `run` starts from (0, or the resumed checkpoint's step).
    public var currentStep: Int { step }

    /// Trains to `settings.steps`, or stops after step `stopAfter` with a checkpoint there (as an interrupted run
    /// would, so a resume continues exactly). `progressLabel` shows a progress display on stderr.
    @discardableResult
    public func run(progressLabel: String? = nil, stopAfter: Int? = nil) throws -> Outcome {
        let last = min(stopAfter ?? settings.steps, settings.steps)
        var log: MetricsLog?
        let leader = communicator.isLeader
        if let out, leader {
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            try manifest.write(to: out.appendingPathComponent("run_config.json"), options: .atomic)
            log = try MetricsLog(url: out.appendingPathComponent("metrics.jsonl"), truncateAfterStep: step > 0 ? step : nil)
        }
        let progress = leader ? progressLabel.map { ProgressBar(total: settings.steps, label: $0, startStep: step) } : nil
        if dataParallel != nil, leader { World.installStopMessage(stopMessage(checkpointStep: step > 0 ? step : nil)) }
        var outcome = Outcome(step: step, finished: false, lastTrain: [:], lastEval: [:])
        // A resumed run that had stopped early stays stopped.
        outcome.stoppedEarly = step > 0 && task.stopRequested
        while step < last && !outcome.stoppedEarly {
            let batch = sampler?.next(globalBatch) ?? []
            let count = sampler == nil ? globalBatch : batch.count
            let shard = BatchShard(batch: batch, globalCount: count, range: DataParallel.shard(of: count, rank: communicator.rank, size: communicator.size),
                                   communicator: communicator)
            let communicated = dataParallel?.communicationSeconds ?? 0
            stepper.lrScale = task.learningRateScale
            let (value, norm) = try stepper.step(step) {
                if dataParallel == nil, let micro = task as? MicroBatchedTask {
                    return try GradientAccumulation.objective(task: micro, batch: batch, count: settings.microBatchCount, rng: &rng)
                }
                let l = try task.objective(shard: shard, rng: &rng)
                return (l.value.item, { l.backward() })
            }
            step += 1
            outcome.lastTrain = task.trainMetrics(objective: value)
            var line: [String: Any] = outcome.lastTrain
            line["step"] = step
            line["split"] = "train"
            line["grad_norm"] = norm
            line["lr"] = stepper.optimizer.lr
            if let dataParallel { line["communication_s"] = dataParallel.communicationSeconds - communicated }
            if settings.logs(at: step) { try log?.write(line) }
            if settings.evaluates(at: step) {
                var eval = try task.evaluate()
                try checkEval(eval)
                // Extras (samples) are written beside the run, so only the leader computes them.
                if leader, !eval.isEmpty, let evaluationExtras { eval.merge(try evaluationExtras(step)) { old, _ in old } }
                if !eval.isEmpty {
                    outcome.lastEval = eval
                    var evalLine: [String: Any] = eval
                    evalLine["step"] = step
                    evalLine["split"] = "eval"
                    try log?.write(evalLine)
                }
                outcome.stoppedEarly = task.stopRequested
            }
            progress?.update(step: step, task.progressValues(train: outcome.lastTrain, eval: outcome.lastEval))
            if let dataParallel, (settings.syncCheckEvery > 0 && step % settings.syncCheckEvery == 0) || step == last || outcome.stoppedEarly {
                try dataParallel.requireAgreement(DataParallel.checksum(model.trainableParameters),
                                                  "the parameters after step \(step): the ranks diverged (a non-deterministic kernel or a broken node)")
            }
            if settings.checkpoints(at: step) || step == last || outcome.stoppedEarly {
                try saveCheckpoint()
                if dataParallel != nil, leader { World.updateStopMessage(stopMessage(checkpointStep: step)) }
            }
        }
        outcome.step = step
        guard step == settings.steps || outcome.stoppedEarly else { return outcome }
        outcome.finished = true
        // Resuming a finished run takes no step; it still reports the final model's held-out metrics.
        if outcome.lastEval.isEmpty { outcome.lastEval = try task.evaluate() }
        if let out, leader {
            try checkFinite("the final model")
            try AtomicFolder.write(to: out.appendingPathComponent("final")) { try model.write(to: $0) }
        }
        return outcome
    }

    private func saveCheckpoint() throws {
        guard let out else { return }
        try checkFinite("checkpoint at step \(step)")
        guard communicator.isLeader else { return }
        let state = TrainingCheckpoint.State(step: step, sampler: sampler, rng: rng,
                                             task: try task.checkpointState().map { String(decoding: $0, as: UTF8.self) })
        try TrainingCheckpoint.save(model, optimizer: stepper.optimizer, state: state, manifest: manifest,
                                    to: out.appendingPathComponent("checkpoint"))
    }

    /// What rank 0 prints when mpirun stops the job (another rank died) or the user interrupts it.
    private func stopMessage(checkpointStep: Int?) -> String {
        let place = out.map { $0.appendingPathComponent("checkpoint").path } ?? "(no run folder)"
        let saved = checkpointStep.map { "the checkpoint of step \($0) in \(place) is complete (continue with --resume)" }
            ?? "no checkpoint was written yet"
        return "tinyalign: rank 0: the job was stopped (a rank died or it was interrupted); \(saved)"
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
