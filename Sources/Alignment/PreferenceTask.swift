import Datasets
import Distributed
import Autograd
import Foundation
import Models
import Training
import TensorCore
import Training

/// Preference optimisation (DPO, IPO, IS-*, GR-*, …) of a policy against cached reference log-probs.
///
/// Each batch runs chosen and rejected through the policy in one forward pass, and the group weighting turns
/// the per-pair losses into the objective (updating α for robust methods). Train lines carry TRL's metrics
/// overall and per group plus `alpha/<group>`; eval lines the same on the validation pairs.
public final class PreferenceTask: MicroBatchedTask {
    /// The policy being trained.
    public let policy: any CausalLanguageModel
    /// Settings.
    public let config: AlignConfig
    /// Training pairs and their reference log-probs.
    public let train: PreferenceSet, trainReference: ReferenceLogProbs
    /// Validation pairs (for eval lines) and their reference log-probs.
    public let validation: PreferenceSet?, validationReference: ReferenceLogProbs?
    /// The loss of the method.
    public let loss: PreferenceLoss
    /// The group weighting of the method (holds α for robust methods).
    public private(set) var weighting: GroupWeighting
    private let padId: Int32
    private var values: [PreferenceMetrics.PairValues] = []
    /// Learning-rate cuts and early stopping on the worst group's validation loss.
    public private(set) var schedule: PlateauSchedule

    /// A task; throws for an unknown method or a group without training pairs.
    public init(policy: any CausalLanguageModel, config: AlignConfig, train: PreferenceSet, trainReference: ReferenceLogProbs,
                validation: PreferenceSet?, validationReference: ReferenceLogProbs?, padId: Int32) throws {
        guard !train.pairs.isEmpty else { throw AlignmentError.invalidInput("no training pairs left after tokenisation") }
        self.policy = policy
        self.config = config
        self.train = train
        self.trainReference = trainReference
        self.validation = validation
        self.validationReference = validationReference
        self.padId = padId
        loss = try PreferenceLosses.loss(for: config)
        weighting = try GroupWeightings.weighting(for: config, groupSizes: train.groupSizes)
        schedule = PlateauSchedule(plateau: config.plateau, earlyStoppingPatience: config.earlyStoppingPatience)
        if (config.plateau != nil || config.earlyStoppingPatience > 0), validation?.pairs.isEmpty ?? true {
            throw AlignmentError.invalidInput("the plateau schedule and early stopping watch the worst group's validation loss: give validation pairs")
        }
    }

    /// Training pairs.
    public var exampleCount: Int? { train.pairs.count }

    /// Summed response log-probs of the pairs `batch`: chosen then rejected, (2·|batch|), in one forward pass.
    public func outputs(batch idx: [Int]) throws -> Variable {
        let pairs = idx.map { train.pairs[$0] }
        return try SequenceLogProbs.pairs(model: policy, chosen: pairs.map(\.chosen), rejected: pairs.map(\.rejected), padId: padId)
    }

    /// The weighted loss of the pairs of `microBatches` (plus the SFT term on the chosen responses when set),
    /// from each micro-batch's `outputs`; α is updated once, from the whole batch.
    public func objective(microBatches: [[Int]], outputs: [Variable], rng: inout SeededGenerator) throws -> Variable {
        let idx = microBatches.flatMap { $0 }
        let pairs = idx.map { train.pairs[$0] }
        var chosen: [Variable] = [], rejected: [Variable] = []
        for (part, lp) in zip(microBatches, outputs) {
            chosen.append(try lp.sliced(axis: 0, range: 0..<part.count))
            rejected.append(try lp.sliced(axis: 0, range: part.count..<(2 * part.count)))
        }
        let batch = PreferenceBatch(pairs: pairs, policyChosen: try GradientAccumulation.joined(chosen),
                                    policyRejected: try GradientAccumulation.joined(rejected),
                                    referenceChosen: idx.map { trainReference.chosen[$0] },
                                    referenceRejected: idx.map { trainReference.rejected[$0] })
        let perPair = try loss.perPairLoss(batch.logProbs)
        values = batch.values(losses: perPair.value.scalars)
        var objective = try weighting.objective(losses: perPair, groups: pairs.map(\.group))
        if config.sftWeight > 0 {
            objective = try objective + ChosenSFTTerm.objective(chosenLogProbs: batch.logProbs.policyChosen,
                                                                tokens: pairs.map(\.chosen.responseLength), weight: config.sftWeight)
        }
        return objective
    }

    /// Pairs split over ranks.
    public var supportsDataParallel: Bool { true }

    /// Every token id of the training pairs, their groups and reference log-probs.
    public var dataFingerprint: UInt64? {
        var h = SequenceFingerprint.of(train.pairs.map(\.chosen) + train.pairs.map(\.rejected))
        h = Fingerprint.of(train.pairs.map { Int32($0.group) }.withUnsafeBytes { Data($0) }, from: h)
        return Fingerprint.of((trainReference.chosen + trainReference.rejected).withUnsafeBytes { Data($0) }, from: h)
    }

    /// TRL metrics of the batch, the objective, and α.
    public func trainMetrics(objective: Float) -> [String: Double] {
        var record = PreferenceMetrics.compute(values, groups: train.groups, beta: config.beta)
        record["objective"] = Double(objective)
        for (g, a) in zip(train.groups, weighting.groupWeights) { record["alpha/\(PreferenceSet.displayName(g))"] = Double(a) }
        return record
    }

    /// Per-group metrics on the validation pairs (none without them); feeds the worst group's loss to the
    /// plateau schedule, which may cut the learning rate (and then halve η_α) or ask to stop.
    public func evaluate() throws -> [String: Double] {
        guard let validation, let validationReference, !validation.pairs.isEmpty else { return [:] }
        var metrics = try PreferenceEvaluator.evaluate(model: policy, set: validation, reference: validationReference,
                                                       loss: loss, beta: config.beta, padId: padId)
        guard config.plateau != nil || config.earlyStoppingPatience > 0 else { return metrics }
        let decision = schedule.observe(metrics["worst_group/loss"] ?? .nan)
        if decision.cut, config.etaAlphaHalving, var robust = weighting as? RobustWeighting {
            robust.etaAlpha /= 2
            weighting = robust
        }
        metrics["lr_scale"] = Double(schedule.scale)
        if let robust = weighting as? RobustWeighting { metrics["eta_alpha"] = Double(robust.etaAlpha) }
        return metrics
    }

    /// The plateau schedule's factor on the learning rate.
    public var learningRateScale: Float { schedule.scale }

    /// Early stopping's verdict after the last evaluation.
    public var stopRequested: Bool {
        schedule.earlyStoppingPatience > 0 && schedule.sinceBest >= schedule.earlyStoppingPatience
    }

    /// Training loss and the worst group's validation loss.
    public func progressValues(train: [String: Double], eval: [String: Double]) -> [(String, Float)] {
        [("loss", Float(train["loss"] ?? .nan)), ("worst", Float(eval["worst_group/loss"] ?? .nan))]
    }

    /// The group weights now (α for robust methods).
    public var groupWeights: [Float] { weighting.groupWeights }

    /// What a resumed run needs beyond α: the plateau schedule and the (possibly halved) η_α.
    struct State: Codable {
        var alpha: Data?
        var schedule: PlateauSchedule
        var etaAlpha: Float?
    }

    /// α of the robust weighting; with a plateau schedule or early stopping, also their state and η_α.
    public func checkpointState() throws -> Data? {
        let alpha = try GroupWeightings.state(of: weighting)
        guard config.plateau != nil || config.earlyStoppingPatience > 0 else { return alpha }
        return try JSONEncoder().encode(State(alpha: alpha, schedule: schedule, etaAlpha: (weighting as? RobustWeighting)?.etaAlpha))
    }

    /// Restores what `checkpointState` wrote.
    public func restore(checkpointState: Data?) throws {
        guard config.plateau != nil || config.earlyStoppingPatience > 0, let data = checkpointState else {
            weighting = try GroupWeightings.restore(weighting, from: checkpointState)
            return
        }
        let state = try JSONDecoder().decode(State.self, from: data)
        weighting = try GroupWeightings.restore(weighting, from: state.alpha)
        schedule = state.schedule
        if let eta = state.etaAlpha, var robust = weighting as? RobustWeighting {
            robust.etaAlpha = eta
            weighting = robust
        }
    }
}
