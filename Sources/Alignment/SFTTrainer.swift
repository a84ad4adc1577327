import Autograd
import Foundation
import Models
import TensorCore

/// Settings of a supervised fine-tuning run.
@dynamicMemberLookup
public struct SFTConfig: Codable, Equatable, Sendable, HasTrainingSettings {
    /// Budget, batch, optimizer, schedule, eval and checkpoint cadence, seed.
    public var training = TrainingSettings(lr: 3e-4, minLR: 3e-5, evalEvery: 50)

    /// Defaults as documented on each field.
    public init() {}

    /// `config.steps` for `config.training.steps`, and so on.
    public subscript<T>(dynamicMember key: WritableKeyPath<TrainingSettings, T>) -> T {
        get { training[keyPath: key] }
        set { training[keyPath: key] = newValue }
    }
}

struct SFTTrainerState: Codable {
    var step: Int
    var sampler: EpochSampler
    var config: SFTConfig
}

/// Completion-only supervised fine-tuning: cross-entropy on response tokens (and EOS) only, averaged over the
/// batch's response tokens (TRL's token mean); prompt and padding positions do not count.
public final class SFTTrainer {
    /// The model trained.
    public let model: any CausalLanguageModel
    /// Settings.
    public let config: SFTConfig
    private let train: [EncodedSequence], validation: [EncodedSequence]
    private let out: URL
    private let padId: Int32
    private let tokenizerJSON: Data?
    private let loop: TrainingLoop
    private var sampler: EpochSampler
    private var step = 0

    /// A trainer; with `resume`, continues from `<out>/checkpoint`.
    public init(model: any CausalLanguageModel, config: SFTConfig, train: [EncodedSequence], validation: [EncodedSequence], padId: Int32,
                out: URL, tokenizerJSON: Data?, resume: Bool = false) throws {
        guard !train.isEmpty else { throw AlignmentError.invalidInput("no training examples left after tokenisation") }
        self.model = model
        self.config = config
        self.train = train
        self.validation = validation
        self.padId = padId
        self.out = out
        self.tokenizerJSON = tokenizerJSON
        loop = try TrainingLoop(model: model, settings: config.training)
        sampler = EpochSampler(count: train.count, seed: config.seed)
        if resume {
            let state = try TrainingCheckpoint.restore(SFTTrainerState.self, optimizer: loop.optimizer,
                                                       from: out.appendingPathComponent("checkpoint"))
            step = state.step
            sampler = state.sampler
        }
    }

    /// The token-mean response loss of `sequences`.
    public func loss(_ sequences: [EncodedSequence]) throws -> Variable {
        let (ids, targets, _) = SequenceLogProbs.batch(sequences, padId: padId)
        return try model.loss(ids, targets: targets, batch: sequences.count)
    }

    /// Mean validation loss over all validation sequences (NaN without validation data).
    public func validationLoss() throws -> Float {
        guard !validation.isEmpty else { return .nan }
        var total: Float = 0, tokens = 0
        try withNoGrad {
            for start in stride(from: 0, to: validation.count, by: 16) {
                let chunk = Array(validation[start..<min(start + 16, validation.count)])
                let n = chunk.map(\.responseLength).reduce(0, +)
                total += try loss(chunk).value.item * Float(n)
                tokens += n
            }
        }
        return total / Float(tokens)
    }

    /// Trains to `config.steps`; returns the final validation loss.
    @discardableResult
    public func run(progress: ProgressBar? = nil) throws -> Float {
        let log = try MetricsLog(url: out.appendingPathComponent("metrics.jsonl"), truncateAfterStep: step > 0 ? step : nil)
        var evalLoss = Float.nan
        while step < config.steps {
            let batch = sampler.next(config.batchSize).map { train[$0] }
            let (l, norm) = try loop.step(step) { try loss(batch) }
            step += 1
            try log.write(["step": step, "split": "train", "loss": l, "grad_norm": norm, "lr": loop.optimizer.lr])
            if config.training.evaluates(at: step) {
                evalLoss = try validationLoss()
                if evalLoss.isFinite { try log.write(["step": step, "split": "eval", "loss": evalLoss]) }
            }
            progress?.update(step: step, ["loss": l, "eval": evalLoss])
            if config.training.checkpoints(at: step) {
                try TrainingCheckpoint.save(model: model, optimizer: loop.optimizer,
                                            state: SFTTrainerState(step: step, sampler: sampler, config: config),
                                            tokenizerJSON: tokenizerJSON, to: out.appendingPathComponent("checkpoint"))
            }
        }
        try Checkpoint.save(model, to: out.appendingPathComponent("final"),
                            extraFiles: tokenizerJSON.map { ["tokenizer.json": $0] } ?? [:])
        return evalLoss
    }
}
