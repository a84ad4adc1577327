import Autograd
import Foundation
import TensorCore

/// Settings of a next-token (pre)training run; saved with the run.
@dynamicMemberLookup
public struct PretrainConfig: Codable, Equatable, Sendable, HasTrainingSettings {
    /// Budget, batch, optimizer and schedule.
    public var training = TrainingSettings(steps: 1000, lr: 1e-3, minLR: 1e-4, warmupSteps: 50, weightDecay: 0.1, evalEvery: 100)
    /// Tokens per sequence (≤ n_positions); nil uses the model's context.
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
}

/// What a pretraining checkpoint must remember to continue exactly.
struct PretrainState: Codable {
    var step: Int
    var rng: SeededGenerator
    var config: PretrainConfig
}

/// Next-token training with AdamW, warmup + cosine decay, gradient clipping, periodic eval on held-out tokens,
/// `metrics.jsonl`, checkpoints in `<out>/checkpoint` and the final model in `<out>/final`.
public final class Pretrainer {
    /// The model being trained.
    public let model: any CausalLanguageModel
    /// The settings.
    public let config: PretrainConfig
    /// The run folder.
    public let out: URL
    /// Copied into every checkpoint so folders are self-contained.
    public let tokenizerJSON: Data?
    private let loop: TrainingLoop
    private var rng: SeededGenerator
    private var step = 0

    /// A trainer for `model`; with `resume`, continues from `<out>/checkpoint` (the model must be loaded from it).
    public init(model: any CausalLanguageModel, config: PretrainConfig, out: URL, tokenizerJSON: Data?, resume: Bool) throws {
        self.model = model
        self.config = config
        self.out = out
        self.tokenizerJSON = tokenizerJSON
        loop = try TrainingLoop(model: model, settings: config.training)
        rng = SeededGenerator(seed: config.seed)
        if resume {
            let state = try TrainingCheckpoint.restore(PretrainState.self, optimizer: loop.optimizer,
                                                       from: out.appendingPathComponent("checkpoint"))
            try Self.checkResumable(saved: state.config, requested: config)
            step = state.step
            rng = state.rng
        }
    }

    /// The step the next `run` starts from (0, or the resumed checkpoint's step).
    public var currentStep: Int { step }

    /// A resumed run must draw the same batches and learning rates as the run it continues, so every setting
    /// that shapes the trajectory has to match; eval and checkpoint cadence may change.
    static func checkResumable(saved: PretrainConfig, requested: PretrainConfig) throws {
        let fields: [(String, String, String)] = [
            ("steps", "\(saved.steps)", "\(requested.steps)"), ("batch size", "\(saved.batchSize)", "\(requested.batchSize)"),
            ("context", "\(saved.context.map(String.init) ?? "model")", "\(requested.context.map(String.init) ?? "model")"),
            ("lr", "\(saved.lr)", "\(requested.lr)"), ("min lr", "\(saved.minLR)", "\(requested.minLR)"),
            ("warmup", "\(saved.warmupSteps)", "\(requested.warmupSteps)"),
            ("weight decay", "\(saved.weightDecay)", "\(requested.weightDecay)"),
            ("grad clip", "\(saved.gradClip)", "\(requested.gradClip)"), ("seed", "\(saved.seed)", "\(requested.seed)"),
        ]
        let differing = fields.filter { $0.1 != $0.2 }.map { "\($0.0) \($0.1) -> \($0.2)" }
        guard differing.isEmpty else {
            throw ModelError.invalidInput("cannot resume: the checkpoint was trained with different settings (\(differing.joined(separator: ", ")))")
        }
    }

    /// Throws, before anything is written, when the streams cannot fill one window of `context` + 1 tokens.
    public func checkData(_ data: TokenDataset) throws {
        let t = min(config.context ?? model.contextLength, model.contextLength)
        guard config.batchSize > 0, t > 0 else {
            throw ModelError.invalidInput("batch size (\(config.batchSize)) and context (\(t)) must be positive")
        }
        for (name, stream) in [("training", data.train), ("validation", data.validation)] where stream.count <= t {
            throw ModelError.invalidInput("the corpus is too small: its \(name) part has \(stream.count) tokens, "
                                          + "a context of \(t) needs at least \(t + 1)")
        }
    }

    /// Trains to `config.steps`, returning the last eval loss. With `stopAt` below that, stops after step
    /// `stopAt` with a checkpoint there (and no `final` folder), so a `resume` continues as if never stopped.
    @discardableResult
    public func run(data: TokenDataset, progress: ProgressBar? = nil, stopAt: Int? = nil) throws -> Float {
        try checkData(data)
        let t = min(config.context ?? model.contextLength, model.contextLength)
        let last = min(stopAt ?? config.steps, config.steps)
        let log = try MetricsLog(url: out.appendingPathComponent("metrics.jsonl"), truncateAfterStep: step > 0 ? step : nil)
        var evalLoss = Float.nan
        while step < last {
            let started = Date()
            let (ids, targets) = try TokenDataset.batch(from: data.train, batch: config.batchSize, context: t, rng: &rng)
            let (lossValue, norm) = try loop.step(step) { try model.loss(ids, targets: targets, batch: config.batchSize) }
            step += 1
            var record: [String: Any] = [
                "step": step, "loss": lossValue, "lr": loop.optimizer.lr, "grad_norm": norm,
                "tokens_per_s": Double(ids.count) / Date().timeIntervalSince(started),
            ]
            if config.training.evaluates(at: step) {
                evalLoss = try evaluate(data.validation, context: t)
                record["eval_loss"] = evalLoss
            }
            try log.write(record)
            progress?.update(step: step, ["loss": lossValue, "eval": evalLoss])
            if config.training.checkpoints(at: step) || step == last {
                try TrainingCheckpoint.save(model: model, optimizer: loop.optimizer,
                                            state: PretrainState(step: step, rng: rng, config: config),
                                            tokenizerJSON: tokenizerJSON, to: out.appendingPathComponent("checkpoint"))
            }
        }
        guard step == config.steps else { return evalLoss }
        // Resuming a finished run takes no step; it still reports the final model's eval loss.
        if evalLoss.isNaN { evalLoss = try evaluate(data.validation, context: t) }
        try Checkpoint.save(model, to: out.appendingPathComponent("final"),
                            extraFiles: tokenizerJSON.map { ["tokenizer.json": $0] } ?? [:])
        return evalLoss
    }

    /// Mean loss over `evalBatches` fixed windows of the held-out stream (same windows every call).
    public func evaluate(_ stream: [Int32], context: Int) throws -> Float {
        var evalRNG = SeededGenerator(seed: 0xE7A1)
        var total: Float = 0
        for _ in 0..<config.evalBatches {
            let (ids, targets) = try TokenDataset.batch(from: stream, batch: config.batchSize, context: context, rng: &evalRNG)
            total += try withNoGrad { try model.loss(ids, targets: targets, batch: config.batchSize) }.value.item
        }
        return total / Float(config.evalBatches)
    }
}
