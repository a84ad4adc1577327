import Autograd
import Distributed
import Foundation
import TensorCore

/// What differs from one kind of training to the next, and nothing else: the objective of a batch, the metrics
/// of the batch just stepped, the held-out evaluation, and any state a resumed run needs (e.g. the robust
/// weighting's α). The `TrainingDriver` owns everything else (order, steps, logs, checkpoints, resume).
public protocol TrainingTask: AnyObject {
    /// Examples the driver shuffles into batches every epoch (`EpochSampler`), or nil when the task draws its
    /// own batches from the run's seeded generator (pretraining windows, GPO episodes).
    var exampleCount: Int? { get }

    /// The scalar to minimise on the examples `batch` (empty when `exampleCount` is nil); may draw from `rng`.
    func objective(batch: [Int], rng: inout SeededGenerator) throws -> Variable

    /// Metrics for the train line of the batch just stepped, given the objective's value (TRL names).
    func trainMetrics(objective: Float) -> [String: Double]

    /// Held-out metrics for an eval line; empty writes no line.
    func evaluate() throws -> [String: Double]

    /// The values the progress display shows after a step.
    func progressValues(train: [String: Double], eval: [String: Double]) -> [(String, Float)]

    /// The task's own state as JSON, so a resumed run continues exactly; nil when it has none.
    func checkpointState() throws -> Data?

    /// Restores what `checkpointState` returned.
    func restore(checkpointState: Data?) throws

    /// Whether `objective(shard:rng:)` handles a part of a batch on several ranks (data parallelism).
    var supportsDataParallel: Bool { get }

    /// This rank's share of the objective of the global batch `shard.batch`: computed on the positions
    /// `shard.range` only, normalised by the whole batch (its examples, tokens or group counts), so that the
    /// shares of all ranks add up to the one-process objective of the whole batch and the summed gradients
    /// equal its gradient. Anything else a step needs from the other parts (per-group loss sums, the metrics'
    /// per-example values) comes through `shard.communicator`. The default runs `objective(batch:rng:)` on a
    /// whole batch in one process.
    func objective(shard: BatchShard, rng: inout SeededGenerator) throws -> Variable

    /// A fingerprint of the task's training data (e.g. its token ids), compared across ranks at the start so
    /// that ranks reading different files are refused; nil when there is none beyond the run manifest.
    var dataFingerprint: UInt64? { get }
    /// Factor on the scheduled learning rate for the next step (a plateau schedule's cuts); read before every step.
    var learningRateScale: Float { get }

    /// Whether the run should stop after the evaluation just made (early stopping); read after every evaluation.
    var stopRequested: Bool { get }
}

extension TrainingTask {
    /// Training loss and held-out loss.
    public func progressValues(train: [String: Double], eval: [String: Double]) -> [(String, Float)] {
        [("loss", Float(train["loss"] ?? .nan)), ("eval", Float(eval["loss"] ?? .nan))]
    }

    /// No state of its own.
    public func checkpointState() throws -> Data? { nil }

    /// No state of its own.
    public func restore(checkpointState: Data?) throws {}

    /// One process only, unless the task says otherwise.
    public var supportsDataParallel: Bool { false }

    /// The whole batch through `objective(batch:rng:)`.
    public func objective(shard: BatchShard, rng: inout SeededGenerator) throws -> Variable {
        guard shard.isWhole else {
            throw TrainingError.invalidInput("\(type(of: self)) cannot split a batch over ranks; run it in one process")
        }
        return try objective(batch: shard.batch, rng: &rng)
    }

    /// Nothing beyond the manifest.
    public var dataFingerprint: UInt64? { nil }
    /// The scheduled rate as it is.
    public var learningRateScale: Float { 1 }

    /// Never stops early.
    public var stopRequested: Bool { false }
}
