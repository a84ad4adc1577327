import Autograd
import Foundation
import Models
import TensorCore

/// Settings of a next-token (pre)training run; saved with the run.
@dynamicMemberLookup
public struct PretrainConfig: Codable, Equatable, Sendable, HasTrainingSettings {
    /// Budget, batch, optimizer and schedule.
    public var training = TrainingSettings(steps: 1000, lr: 1e-3, minLR: 1e-4, warmupSteps: 50, weightDecay: 0.1, evalEvery: 100)
    /// Tokens per sequence (≤ the model's context); nil uses the model's context.
    public var context: Int?
    /// Batches averaged for one eval loss.
    public var evalBatches = 4

    /// Defaults as documented on each field.
    public init() {}

    /// `config.steps` for `config.training.steps`, and so on.
    public subscript<T>(dynamicMember key: WritableKeyPath<TrainingSettings, T>) -> T {
        get { training[keyPath: key] }
        set { training[keyPath: key] = newValue }
    }

    enum CodingKeys: String, CodingKey { case training, context, evalBatches = "eval_batches" }
}

/// Next-token prediction on a token stream: each step draws `batchSize` random windows of T + 1 tokens from
/// the run's generator; the eval loss is the mean over `evalBatches` fixed windows of the held-out stream.
public final class NextTokenTask: TrainingTask {
    /// The model trained.
    public let model: any CausalLanguageModel
    /// Ids the model trains on, and held-out ids.
    public let train: [Int32], validation: [Int32]
    /// Tokens per window.
    public let context: Int
    /// Windows per step.
    public let batchSize: Int
    /// Batches averaged for the eval loss.
    public let evalBatches: Int
    private var started = Date()
    private var tokens = 0

    /// A task over the two streams; throws when a stream cannot fill one window of `context` + 1 tokens.
    public init(model: any CausalLanguageModel, train: [Int32], validation: [Int32], config: PretrainConfig) throws {
        self.model = model
        self.train = train
        self.validation = validation
        context = min(config.context ?? model.contextLength, model.contextLength)
        batchSize = config.batchSize
        evalBatches = config.evalBatches
        guard batchSize > 0, context > 0 else {
            throw TrainingError.invalidInput("batch size (\(batchSize)) and context (\(context)) must be positive")
        }
        for (name, stream) in [("training", train), ("validation", validation)] where stream.count <= context {
            throw TrainingError.invalidInput("the corpus is too small: its \(name) part has \(stream.count) tokens, "
                                             + "a context of \(context) needs at least \(context + 1)")
        }
    }

    /// Windows come from the run's generator, not from an epoch order.
    public var exampleCount: Int? { nil }

    /// Mean next-token cross-entropy of `batchSize` random windows.
    public func objective(batch: [Int], rng: inout SeededGenerator) throws -> Variable {
        started = Date()
        let (ids, targets) = Self.windows(from: train, batch: batchSize, context: context, rng: &rng)
        tokens = ids.count
        return try model.loss(ids, targets: targets, batch: batchSize)
    }

    /// Every rank draws the same `shard.globalCount` windows and scores its slice of them; all windows have
    /// `context` targets, so the share of the token mean is the slice's mean × slice / global windows.
    public func objective(shard: BatchShard, rng: inout SeededGenerator) throws -> Variable {
        guard !(shard.isWhole && shard.globalCount == batchSize) else { return try objective(batch: [], rng: &rng) }
        started = Date()
        let (ids, targets) = Self.windows(from: train, batch: shard.globalCount, context: context, rng: &rng)
        let span = (shard.range.lowerBound * context)..<(shard.range.upperBound * context)
        tokens = ids.count
        let local = try model.loss(Array(ids[span]), targets: Array(targets[span]), batch: shard.range.count)
        return local * (Float(shard.range.count) / Float(shard.globalCount))
    }

    /// Windows split over ranks.
    public var supportsDataParallel: Bool { true }

    /// The loss and the step's throughput.
    public func trainMetrics(objective: Float) -> [String: Double] {
        ["loss": Double(objective), "tokens_per_s": Double(tokens) / max(Date().timeIntervalSince(started), 1e-9)]
    }

    /// Mean loss over `evalBatches` fixed windows of the held-out stream (the same windows every call).
    public func evaluate() throws -> [String: Double] {
        var evalRNG = SeededGenerator(seed: 0xE7A1)
        var total: Float = 0
        for _ in 0..<evalBatches {
            let (ids, targets) = Self.windows(from: validation, batch: batchSize, context: context, rng: &evalRNG)
            total += try withNoGrad { try model.loss(ids, targets: targets, batch: batchSize) }.value.item
        }
        return ["loss": Double(total / Float(evalBatches))]
    }

    /// B random windows of `stream` (count > T): inputs (B·T) and next-token targets (B·T).
    public static func windows(from stream: [Int32], batch: Int, context: Int,
                               rng: inout SeededGenerator) -> (ids: [Int32], targets: [Int32]) {
        var ids: [Int32] = [], targets: [Int32] = []
        ids.reserveCapacity(batch * context)
        targets.reserveCapacity(batch * context)
        for _ in 0..<batch {
            let start = rng.nextInt(below: stream.count - context)
            ids += stream[start..<(start + context)]
            targets += stream[(start + 1)...(start + context)]
        }
        return (ids, targets)
    }
}
