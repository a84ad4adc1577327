import Autograd
import Foundation
import Models
import TensorCore

/// What an alignment checkpoint remembers to continue exactly: step, data order, RNG and the group weights α.
struct PreferenceTrainerState: Codable {
    var step: Int
    var sampler: EpochSampler
    var alpha: [Float]?
    var config: AlignConfig
}

/// Preference optimisation (DPO, IPO, IS-*, GR-*, …) of a policy against cached reference log-probs.
///
/// Each step draws `batchSize` pairs (epoch-shuffled), runs chosen and rejected through the policy in one
/// batch, turns the per-pair losses into the objective with the group weighting, and takes an AdamW step.
/// Writes `metrics.jsonl` (train lines every step, eval lines every `evalEvery`), resumable checkpoints in
/// `<out>/checkpoint` and the final policy in `<out>/final`.
public final class PreferenceTrainer {
    /// The policy being trained.
    public let policy: any CausalLanguageModel
    /// Settings.
    public let config: AlignConfig
    /// Training pairs and their reference log-probs.
    public let train: PreferenceSet, trainReference: ReferenceLogProbs
    /// Validation pairs (for eval lines) and their reference log-probs.
    public let validation: PreferenceSet?, validationReference: ReferenceLogProbs?
    /// The run folder.
    public let out: URL
    /// The loss and the group weighting the method resolved to.
    public let loss: PreferenceLoss
    /// Group weighting (holds α for robust methods).
    public private(set) var weighting: GroupWeighting
    private let loop: TrainingLoop
    private let padId: Int32
    private let tokenizerJSON: Data?
    private var sampler: EpochSampler
    private var step = 0

    /// A trainer; with `resume`, continues from `<out>/checkpoint` (the policy must have been loaded from it).
    public init(policy: any CausalLanguageModel, config: AlignConfig, train: PreferenceSet, trainReference: ReferenceLogProbs,
                validation: PreferenceSet?, validationReference: ReferenceLogProbs?, padId: Int32, out: URL,
                tokenizerJSON: Data?, resume: Bool = false) throws {
        guard !train.pairs.isEmpty else { throw AlignmentError.invalidInput("no training pairs left after tokenisation") }
        self.policy = policy
        self.config = config
        self.train = train
        self.trainReference = trainReference
        self.validation = validation
        self.validationReference = validationReference
        self.padId = padId
        self.out = out
        self.tokenizerJSON = tokenizerJSON
        (loss, weighting) = try PreferenceLosses.resolve(config, groupSizes: train.groupSizes)
        loop = try TrainingLoop(model: policy, settings: config.training)
        sampler = EpochSampler(count: train.pairs.count, seed: config.seed)
        if resume {
            let state = try TrainingCheckpoint.restore(PreferenceTrainerState.self, optimizer: loop.optimizer,
                                                       from: out.appendingPathComponent("checkpoint"))
            step = state.step
            sampler = state.sampler
            if let alpha = state.alpha, var robust = weighting as? RobustWeighting {
                robust.alpha = alpha
                weighting = robust
            }
        }
    }

    /// Trains to `config.steps` (or stops after step `stopAfter` with a checkpoint, as an interrupted run would);
    /// returns the last validation metrics (empty without validation data).
    @discardableResult
    public func run(progress: ProgressBar? = nil, stopAfter: Int? = nil) throws -> [String: Double] {
        let log = try MetricsLog(url: out.appendingPathComponent("metrics.jsonl"), truncateAfterStep: step > 0 ? step : nil)
        var lastEval: [String: Double] = [:]
        while step < config.steps {
            let idx = sampler.next(config.batchSize)
            let pairs = idx.map { train.pairs[$0] }
            var values: [PreferenceMetrics.PairValues] = []
            let (lossValue, norm) = try loop.step(step) {
                let batch = try PreferenceBatch(model: policy, pairs: pairs, referenceChosen: idx.map { trainReference.chosen[$0] },
                                                referenceRejected: idx.map { trainReference.rejected[$0] }, padId: padId)
                let perPair = try loss.perPairLoss(batch.logProbs)
                values = batch.values(losses: perPair.value.scalars)
                var objective = try weighting.objective(losses: perPair, groups: pairs.map(\.group))
                if config.sftWeight > 0 {
                    let tokens = Float(pairs.map(\.chosen.responseLength).reduce(0, +))
                    objective = try objective + batch.logProbs.policyChosen.sum() * (-config.sftWeight / tokens)
                }
                return objective
            }
            step += 1
            var record = PreferenceMetrics.compute(values, groups: train.groups, beta: config.beta)
                .reduce(into: [String: Any]()) { $0[$1.key] = $1.value }
            record["step"] = step
            record["split"] = "train"
            record["objective"] = lossValue
            record["grad_norm"] = norm
            record["lr"] = loop.optimizer.lr
            for (g, a) in zip(train.groups, weighting.groupWeights) { record["alpha/\(PreferenceSet.displayName(g))"] = a }
            try log.write(record)
            if let validation, let validationReference,
               config.training.evaluates(at: step) {
                lastEval = try PreferenceEvaluator.evaluate(model: policy, set: validation, reference: validationReference,
                                                            loss: loss, beta: config.beta, padId: padId)
                var line = lastEval.reduce(into: [String: Any]()) { $0[$1.key] = $1.value }
                line["step"] = step
                line["split"] = "eval"
                try log.write(line)
            }
            progress?.update(step: step, ["loss": Float(record["loss"] as? Double ?? .nan),
                                          "worst": Float(lastEval["worst_group/loss"] ?? .nan)])
            if config.training.checkpoints(at: step) || step == stopAfter {
                try saveCheckpoint()
            }
            if step == stopAfter { return lastEval }
        }
        try Checkpoint.save(policy, to: out.appendingPathComponent("final"),
                            extraFiles: tokenizerJSON.map { ["tokenizer.json": $0] } ?? [:])
        return lastEval
    }

    /// The group weights now (α for robust methods).
    public var groupWeights: [Float] { weighting.groupWeights }

    private func saveCheckpoint() throws {
        let alpha = (weighting as? RobustWeighting)?.alpha
        try TrainingCheckpoint.save(model: policy, optimizer: loop.optimizer,
                                    state: PreferenceTrainerState(step: step, sampler: sampler, alpha: alpha, config: config),
                                    tokenizerJSON: tokenizerJSON, to: out.appendingPathComponent("checkpoint"))
    }

}
