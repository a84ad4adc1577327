import Autograd
import Models
import TensorCore

/// A type policy that is a GPT checkpoint: log-ratios against cached reference log-probs, AdamW steps through
/// the shared `TrainingLoop` (warmup + cosine over one M-step).
public final class GPTTypePolicy: EMTypePolicy {
    /// The policy model (a fresh copy of the SFT model).
    public let model: any CausalLanguageModel
    private let set: RankingSet
    private let reference: [[Float]]
    private let padId: Int32
    private let loop: TrainingLoop

    /// A policy over `set` whose reference log-probs are `reference` (per list, per response).
    public init(model: any CausalLanguageModel, set: RankingSet, reference: [[Float]], padId: Int32, lr: Float, steps: Int) throws {
        self.model = model
        self.set = set
        self.reference = reference
        self.padId = padId
        loop = try TrainingLoop(model: model, settings: TrainingSettings(steps: steps, lr: lr, minLR: lr / 10, warmupSteps: min(5, steps)))
    }

    /// Differentiable log-ratios of the listed responses (see `EMTypePolicy`).
    public func logRatios(_ lists: [Int]) throws -> Variable {
        let lp = try set.logProbs(model: model, lists: lists, padId: padId)
        let ref = lists.flatMap { reference[$0] }
        return try lp - Variable(Tensor(shape: [ref.count], ref))
    }

    /// One optimizer step on `objective` (see `EMTypePolicy`).
    public func step(_ index: Int, objective: () throws -> Variable) throws -> Float {
        try loop.step(index, objective).loss
    }
}
