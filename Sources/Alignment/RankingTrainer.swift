import Autograd
import Foundation
import Models
import TensorCore

/// Plackett–Luce training of a policy on rankings (pairs are two-response rankings), against cached reference
/// log-probs, with the group weightings of the DPO family (`pl`, `is-pl`, `gr-pl`).
///
/// Each step draws `batchSize` rankings, runs all their responses through the policy in one batch, turns the
/// per-ranking PL losses into the objective with the group weighting and takes an AdamW step. Writes
/// `metrics.jsonl` (loss, reward accuracy and margin over the pairs each ranking implies, α) and `<out>/final`.
public final class RankingTrainer {
    /// The policy being trained.
    public let policy: any CausalLanguageModel
    /// Settings (`method` must resolve to the PL loss).
    public let config: AlignConfig
    /// Training rankings and their reference log-probs (per ranking, per response).
    public let train: RankingSet, reference: [[Float]]
    /// The run folder.
    public let out: URL
    /// The group weighting (holds α for gr-pl).
    public private(set) var weighting: GroupWeighting
    private let loss: PlackettLuceLoss
    private let loop: TrainingLoop
    private let padId: Int32
    private let tokenizerJSON: Data?

    /// A trainer for `config.steps` steps.
    public init(policy: any CausalLanguageModel, config: AlignConfig, train: RankingSet, reference: [[Float]], padId: Int32, out: URL,
                tokenizerJSON: Data?) throws {
        guard !train.lists.isEmpty else { throw AlignmentError.invalidInput("no training rankings left after tokenisation") }
        var sizes = [Int](repeating: 0, count: train.groups.count)
        for l in train.lists { sizes[l.group] += 1 }
        let (resolved, weighting) = try PreferenceLosses.resolve(config, groupSizes: sizes)
        guard let pl = resolved as? PlackettLuceLoss else {
            throw AlignmentError.invalidInput("ranking training uses the Plackett–Luce loss: method must be pl, is-pl or gr-pl, got \"\(config.method)\"")
        }
        self.policy = policy
        self.config = config
        self.train = train
        self.reference = reference
        self.padId = padId
        self.out = out
        self.tokenizerJSON = tokenizerJSON
        self.weighting = weighting
        loss = pl
        loop = try TrainingLoop(model: policy, settings: config.training)
    }

    /// Trains for `config.steps` steps and saves `<out>/final`.
    public func run(progress: ProgressBar? = nil) throws {
        let log = try MetricsLog(url: out.appendingPathComponent("metrics.jsonl"), truncateAfterStep: nil)
        var sampler = EpochSampler(count: train.lists.count, seed: config.seed)
        for step in 0..<config.steps {
            let idx = sampler.next(config.batchSize)
            let lists = train.flatLists(idx)
            var perList: [Float] = [], rewards: [Float] = []
            let (objective, norm) = try loop.step(step) {
                let policyLogProbs = try train.logProbs(model: policy, lists: idx, padId: padId)
                let ref = Tensor(shape: [policyLogProbs.value.count], idx.flatMap { reference[$0] })
                let l = try loss.perListLoss(policy: policyLogProbs, reference: ref, lists: lists)
                perList = l.value.scalars
                rewards = zip(policyLogProbs.value.scalars, ref.scalars).map { config.beta * ($0 - $1) }
                return try weighting.objective(losses: l, groups: idx.map { train.lists[$0].group })
            }
            let implied = Self.impliedMargins(rewards: rewards, lists: lists)
            var record: [String: Any] = [
                "step": step + 1, "split": "train", "objective": objective, "grad_norm": norm, "lr": loop.optimizer.lr,
                "loss": Double(perList.reduce(0, +)) / Double(max(perList.count, 1)),
                "rewards/accuracies": Double(implied.filter { $0 > 0 }.count) / Double(max(implied.count, 1)),
                "rewards/margins": Double(implied.reduce(0, +)) / Double(max(implied.count, 1)),
            ]
            for (g, a) in zip(train.groups, weighting.groupWeights) { record["alpha/\(PreferenceSet.displayName(g))"] = a }
            try log.write(record)
            progress?.update(step: step + 1, ["loss": Float(record["loss"] as! Double)])
        }
        try Checkpoint.save(policy, to: out.appendingPathComponent("final"),
                            extraFiles: tokenizerJSON.map { ["tokenizer.json": $0] } ?? [:])
    }

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
