import Datasets
import Autograd
import Foundation
import Models
import Training
import TensorCore
import Training

/// A type policy that is a language-model checkpoint: log-ratios against cached reference log-probs; its
/// M-steps run warmup + cosine over the step budget through the one `TrainingDriver`.
public final class LanguageModelTypePolicy: EMTypePolicy {
    /// The policy model (a fresh copy of the SFT model).
    public let model: any CausalLanguageModel
    /// The model as the driver trains and saves it (with the tokenizer files).
    public let trainable: Trainable
    private let set: RankingSet
    private let reference: [[Float]]
    private let padId: Int32
    private let lr: Float

    /// A policy over `set` whose reference log-probs are `reference` (per list, per response).
    public convenience init(model: any CausalLanguageModel, set: RankingSet, reference: [[Float]], padId: Int32, lr: Float,
                            extraFiles: [String: Data] = [:]) {
        self.init(model: model, trainable: TrainableLanguageModel(model, extraFiles: extraFiles), set: set, reference: reference,
                  padId: padId, lr: lr)
    }

    /// A policy whose M-steps train `trainable` (e.g. LoRA adapters attached to `model`).
    public init(model: any CausalLanguageModel, trainable: Trainable, set: RankingSet, reference: [[Float]], padId: Int32, lr: Float) {
        self.model = model
        self.set = set
        self.reference = reference
        self.padId = padId
        self.lr = lr
        self.trainable = trainable
    }

    /// Differentiable log-ratios of the listed responses (see `EMTypePolicy`).
    public func logRatios(_ lists: [Int]) throws -> Variable {
        let lp = try set.logProbs(model: model, lists: lists, padId: padId)
        let ref = lists.flatMap { reference[$0] }
        return try lp - Variable(Tensor(shape: [ref.count], ref))
    }

    /// The best-ranked response of each list: its reference log-prob and its length (response + EOS).
    public func bestResponses(_ lists: [Int]) -> (referenceLogProbs: [Float], tokens: [Int])? {
        (lists.map { reference[$0][set.lists[$0].ranking[0]] },
         lists.map { set.lists[$0].sequences[set.lists[$0].ranking[0]].responseLength })
    }

    /// AdamW from `lr` down to a tenth of it, five warmup steps at most.
    public func mStepSettings(steps: Int) -> TrainingSettings {
        TrainingSettings(steps: steps, lr: lr, minLR: lr / 10, warmupSteps: min(5, steps))
    }
}
