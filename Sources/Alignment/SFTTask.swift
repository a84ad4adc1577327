import Datasets
import Distributed
import Autograd
import Foundation
import Models
import Training
import TensorCore
import Training

/// Completion-only supervised fine-tuning: cross-entropy on response tokens (and EOS) only, averaged over the
/// batch's response tokens (TRL's token mean); prompt and padding positions do not count.
public final class SFTTask: MicroBatchedTask {
    /// The model trained.
    public let model: any CausalLanguageModel
    private let train: [EncodedSequence], validation: [EncodedSequence]
    private let padId: Int32

    /// A task over encoded (prompt, response) sequences.
    public init(model: any CausalLanguageModel, train: [EncodedSequence], validation: [EncodedSequence], padId: Int32) throws {
        guard !train.isEmpty else { throw AlignmentError.invalidInput("no training examples left after tokenisation") }
        self.model = model
        self.train = train
        self.validation = validation
        self.padId = padId
    }

    /// Training sequences.
    public var exampleCount: Int? { train.count }

    /// Summed response log-probs of the sequences `batch`, (|batch|).
    public func outputs(batch: [Int]) throws -> Variable {
        try SequenceLogProbs.compute(model: model, sequences: batch.map { train[$0] }, padId: padId)
    }

    /// This rank's share of the batch's token-mean loss: its slice's token mean × its response tokens / the
    /// batch's response tokens, so the ranks' shares add up to the token mean over the whole batch.
    public func objective(shard: BatchShard, rng: inout SeededGenerator) throws -> Variable {
        guard !shard.isWhole else { return try objective(batch: shard.batch, rng: &rng) }
        let local = shard.localBatch.map { train[$0] }
        let localTokens = local.map(\.responseLength).reduce(0, +)
        let globalTokens = shard.batch.map { train[$0].responseLength }.reduce(0, +)
        return try loss(local) * (Float(localTokens) / Float(globalTokens))
    }

    /// Sequences split over ranks.
    public var supportsDataParallel: Bool { true }

    /// Every token id and response start of the training sequences.
    public var dataFingerprint: UInt64? { SequenceFingerprint.of(train) }

    /// The token-mean response loss of the step's batch: the negated sum of every micro-batch's log-probs,
    /// divided once by the whole batch's scored-token count (a mean of micro-batch means would weight tokens
    /// of short micro-batches more).
    public func objective(microBatches: [[Int]], outputs: [Variable], rng: inout SeededGenerator) throws -> Variable {
        let tokens = microBatches.joined().reduce(0) { $0 + Self.scoredTokens(train[$1]) }
        return try GradientAccumulation.joined(outputs).sum() * (-1 / Float(max(tokens, 1)))
    }

    /// Positions whose next token is a response token (see `SequenceLogProbs.batch`).
    static func scoredTokens(_ s: EncodedSequence) -> Int { max(s.ids.count - max(s.responseStart, 1), 0) }

    /// The token-mean response loss of `sequences`, with the vocabulary projection at response positions only.
    public func loss(_ sequences: [EncodedSequence]) throws -> Variable {
        let (ids, targets, _) = SequenceLogProbs.batch(sequences, padId: padId)
        return try model.scoredLoss(ids, targets: targets, batch: sequences.count)
    }

    /// The step's loss.
    public func trainMetrics(objective: Float) -> [String: Double] { ["loss": Double(objective)] }

    /// Mean validation loss over all validation sequences (no line without validation data).
    public func evaluate() throws -> [String: Double] {
        let l = try validationLoss()
        return l.isFinite ? ["loss": Double(l)] : [:]
    }

    /// Mean validation loss over all validation response tokens (NaN without validation data).
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
}
