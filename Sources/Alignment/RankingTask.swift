import Datasets
import Autograd
import Foundation
import Models
import Training
import TensorCore
import Training

/// Plackett–Luce training of a policy on rankings (pairs are two-response rankings), against cached reference
/// log-probs, with the group weightings of the DPO family (`pl`, `is-pl`, `gr-pl`).
///
/// Each batch runs all responses of its rankings through the policy at once; train lines carry the loss,
/// reward accuracy and margin over the pairs each ranking implies, and α.
public final class RankingTask: MicroBatchedTask {
    /// The policy being trained.
    public let policy: any CausalLanguageModel
    /// Settings (`method` must resolve to the PL loss).
    public let config: AlignConfig
    /// Training rankings and their reference log-probs (per ranking, per response).
    public let train: RankingSet, reference: [[Float]]
    /// The group weighting (holds α for gr-pl).
    public private(set) var weighting: GroupWeighting
    private let loss: PlackettLuceLoss
    private let padId: Int32
    private var perList: [Float] = [], implied: [Float] = []

    /// A task; throws unless the method is pl, is-pl or gr-pl.
    public init(policy: any CausalLanguageModel, config: AlignConfig, train: RankingSet, reference: [[Float]], padId: Int32) throws {
        guard !train.lists.isEmpty else { throw AlignmentError.invalidInput("no training rankings left after tokenisation") }
        var sizes = [Int](repeating: 0, count: train.groups.count)
        for l in train.lists { sizes[l.group] += 1 }
        guard let pl = try PreferenceLosses.loss(for: config) as? PlackettLuceLoss else {
            throw AlignmentError.invalidInput("ranking training uses the Plackett–Luce loss: method must be pl, is-pl or gr-pl, got \"\(config.method)\"")
        }
        weighting = try GroupWeightings.weighting(for: config, groupSizes: sizes)
        self.policy = policy
        self.config = config
        self.train = train
        self.reference = reference
        self.padId = padId
        loss = pl
    }

    /// Training rankings.
    public var exampleCount: Int? { train.lists.count }

    /// Summed response log-probs of every response of the rankings `batch`, ranking by ranking.
    public func outputs(batch idx: [Int]) throws -> Variable {
        try train.logProbs(model: policy, lists: idx, padId: padId)
    }

    /// The weighted PL loss of the rankings of `microBatches` from each micro-batch's `outputs`; α is updated once.
    public func objective(microBatches: [[Int]], outputs: [Variable], rng: inout SeededGenerator) throws -> Variable {
        let idx = microBatches.flatMap { $0 }
        let lists = train.flatLists(idx)
        let policyLogProbs = try GradientAccumulation.joined(outputs)
        let ref = Tensor(shape: [policyLogProbs.value.count], idx.flatMap { reference[$0] })
        let l = try loss.perListLoss(policy: policyLogProbs, reference: ref, lists: lists)
        perList = l.value.scalars
        let rewards = zip(policyLogProbs.value.scalars, ref.scalars).map { config.beta * ($0 - $1) }
        implied = Self.impliedMargins(rewards: rewards, lists: lists)
        return try weighting.objective(losses: l, groups: idx.map { train.lists[$0].group })
    }

    /// Loss, implied-pair accuracy and margin, objective, α.
    public func trainMetrics(objective: Float) -> [String: Double] {
        var record: [String: Double] = [
            "objective": Double(objective),
            "loss": Double(perList.reduce(0, +)) / Double(max(perList.count, 1)),
            "rewards/accuracies": Double(implied.filter { $0 > 0 }.count) / Double(max(implied.count, 1)),
            "rewards/margins": Double(implied.reduce(0, +)) / Double(max(implied.count, 1)),
        ]
        for (g, a) in zip(train.groups, weighting.groupWeights) { record["alpha/\(PreferenceSet.displayName(g))"] = Double(a) }
        return record
    }

    /// Held-out rankings are scored by the job on their implied pairs, not during training.
    public func evaluate() throws -> [String: Double] { [:] }

    /// α of the robust weighting.
    public func checkpointState() throws -> Data? { try GroupWeightings.state(of: weighting) }

    /// Restores α.
    public func restore(checkpointState: Data?) throws { weighting = try GroupWeightings.restore(weighting, from: checkpointState) }

    /// r(better) − r(worse) for every pair the rankings imply (each ranked response over all placed after it).
    static func impliedMargins(rewards: [Float], lists: [RankedList]) -> [Float] {
        var out: [Float] = []
        for list in lists {
            let all = list.order + list.unranked
            for (j, better) in list.order.enumerated() {
                for worse in all[(j + 1)...] { out.append(rewards[better] - rewards[worse]) }
            }
        }
        return out
    }
}
