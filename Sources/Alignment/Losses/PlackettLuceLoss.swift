import Datasets
import Autograd
import TensorCore

/// Plackett–Luce ranking loss (ALGORITHMS.md §7) with implicit rewards r(y) = β(log π(y|x) − log π_ref(y|x)):
/// the negative log-likelihood of each (possibly partial) ranking. On pairs it is DPO exactly, which is how it
/// joins the `PreferenceLoss` registry as `pl`; rankings of ≥3 responses train through `RankingTrainer`.
public struct PlackettLuceLoss: PreferenceLoss {
    /// Inverse temperature of the implicit reward.
    public var beta: Float
    /// The name used on the command line and in metrics.
    public var name: String { "pl" }
    /// PL with `beta`.
    public init(beta: Float = 0.1) { self.beta = beta }

    /// ℓ per ranking, (N). policy, reference: log-probs of every response in the flat batch, (S).
    public func perListLoss(policy: Variable, reference: Tensor, lists: [RankedList]) throws -> Variable {
        try Variable.plackettLuceNLL(rewards: try (policy - Variable(reference)) * beta, lists: lists)
    }

    /// A pair is the ranking "chosen over rejected": chosen responses first in the flat batch, then rejected.
    public func perPairLoss(_ batch: PairLogProbs) throws -> Variable {
        let n = batch.count
        let policy = try Variable.concat([batch.policyChosen, batch.policyRejected], axis: 0)
        let reference = try Tensor.concat([batch.referenceChosen, batch.referenceRejected], axis: 0)
        return try perListLoss(policy: policy, reference: reference,
                               lists: (0..<n).map { RankedList(order: [$0], unranked: [n + $0]) })
    }
}
