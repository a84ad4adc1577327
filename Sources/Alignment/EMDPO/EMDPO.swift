import Datasets
import Autograd
import Foundation
import Models
import Training
import TensorCore
import Training

/// Settings of an EM-DPO run.
public struct EMDPOConfig: Codable, Equatable, Sendable {
    enum CodingKeys: String, CodingKey {
        case types, rounds, stepsPerRound = "steps_per_round", batchSize = "batch_size", beta, lr, seed
        case evalBatchSize = "eval_batch_size", initialisation = "init", sftWeight = "sft_weight", truncation
    }

    /// K, the number of latent annotator types.
    public var types = 2
    /// EM rounds (each: M-step for every type, priors, E-step).
    public var rounds = 5
    /// Optimiser steps of each type's weighted DPO/PL training per round.
    public var stepsPerRound = 50
    /// Lists (pairs or rankings) per step.
    public var batchSize = 16
    /// β of the implicit reward, in the loss and in the E-step likelihood.
    public var beta: Float = 0.1
    /// Learning rate of the M-step (used by the policies the caller makes).
    public var lr: Float = 1e-4
    /// Seed of the initial posteriors and of the data order.
    public var seed: UInt64 = 0
    /// Lists per no-grad forward pass in the E-step.
    public var evalBatchSize = 64
    /// The first M-step's posteriors: a seeded flat Dirichlet (default) or the annotators' k-means clusters.
    public var initialisation = EMInitialisation.dirichlet
    /// Weight of the SFT term on each list's best response in the M-step (TRL's RPO α, `ChosenSFTTerm`),
    /// weighted by the posteriors like the preference term; 0 = off. It keeps the type policies answering.
    public var sftWeight: Float = 0
    /// The length budget the lists were tokenised with (nil: TRL's defaults, `Truncation()`); the job applies it,
    /// the manifest records it so that a resume on other tokens is refused.
    public var truncation: Truncation?

    /// Defaults as documented on each field.
    public init() {}
}

/// EM-DPO (ALGORITHMS.md §7): annotators belong to K latent types with priors η.
///
/// - E-step: γ_ku ∝ η_k · Π_{lists of u} P_k(list), in the log domain, where P_k is σ(β h_k) for a pair and the
///   Plackett–Luce likelihood for a ranking, under type k's policy.
/// - M-step: every type's policy is trained afresh from the SFT model (`makePolicy(k)`) on all lists with weight
///   γ_{k,u(list)}: the mean of −w_i log P_k(list_i) over each minibatch; then η_k = mean_u γ_ku.
///
/// A round is M-step, priors, E-step; the first M-step uses random posteriors (seeded) or k-means clusters of
/// the annotators (`EMDPOConfig.initialisation`), which breaks the symmetry between types.
public final class EMDPO {
    /// One round's outcome.
    public struct Round: Codable, Equatable, Sendable {
        /// η after the M-step.
        public var priors: [Double]
        /// log-likelihood of the data after the E-step: Σ_u log Σ_k η_k Π P_k(lists of u).
        public var logLikelihood: Double
        /// Mean weighted training objective of each type over its M-step.
        public var mStepLoss: [Double]
    }

    /// The data.
    public let data: AnnotatedRankings
    /// Settings.
    public let config: EMDPOConfig
    /// γ[u][k]: posterior probability that annotator u is of type k.
    public private(set) var posteriors: [[Double]]
    /// η_k.
    public private(set) var priors: [Double]
    /// The type policies of the last M-step (empty before `run`).
    public private(set) var policies: [EMTypePolicy] = []
    /// One entry per finished round.
    public private(set) var history: [Round] = []
    private let makePolicy: (Int) throws -> EMTypePolicy
    /// Where each round's M-steps, `em_state.json` and `metrics.jsonl` go (nil: nothing is written).
    public let out: URL?
    /// Micro-batches per M-step optimizer step (`TrainingSettings.gradAccum`; nil = 1).
    public var gradAccum: Int?
    /// Activation checkpointing in the M-steps (`TrainingSettings.checkpointActivations`; nil = off).
    public var checkpointActivations: Bool?

    /// EM over `data`; `makePolicy(k)` returns a fresh copy of the SFT policy for type k. With `out`, every M-step
    /// is a resumable driver run in `<out>/m-step/type-k` and the EM state is saved after each of them; with
    /// `resume`, a killed run continues from the last saved M-step (and inside it, from its checkpoint).
    public init(data: AnnotatedRankings, config: EMDPOConfig, out: URL? = nil, resume: Bool = false,
                makePolicy: @escaping (Int) throws -> EMTypePolicy) throws {
        guard config.types >= 1, config.rounds >= 1, config.stepsPerRound >= 0, config.batchSize >= 1 else {
            throw AlignmentError.invalidInput("EM-DPO needs types ≥ 1, rounds ≥ 1, steps ≥ 0 and batch size ≥ 1 (got \(config.types), \(config.rounds), \(config.stepsPerRound), \(config.batchSize))")
        }
        self.data = data
        self.config = config
        self.makePolicy = makePolicy
        self.out = out
        switch config.initialisation {
        case .dirichlet:
            var rng = SeededGenerator(seed: config.seed)
            posteriors = data.annotators.map { _ in
                let e = (0..<config.types).map { _ in -Foundation.log(max(rng.nextUniformDouble(), 1e-12)) }
                let s = e.reduce(0, +)
                return e.map { $0 / s }
            }
        case .kmeans:
            posteriors = try AnnotatorKMeans.posteriors(data, types: config.types, seed: config.seed)
        }
        priors = Array(repeating: 1 / Double(config.types), count: config.types)
        if resume, let out, let saved = try? Data(contentsOf: out.appendingPathComponent("em_state.json")) {
            let state = try JSONDecoder().decode(State.self, from: saved)
            posteriors = state.posteriors
            priors = state.priors
            history = state.history
            typesDone = state.typesDone
            roundLosses = state.roundLosses
            resumeMStep = true
        }
    }

    /// What a resumed EM run needs: the finished rounds, the M-steps finished in the current one.
    struct State: Codable {
        var posteriors: [[Double]]
        var priors: [Double]
        var history: [Round]
        var typesDone: Int
        var roundLosses: [Double]
    }
    private var typesDone = 0
    /// Whether the next M-step to train may continue from its checkpoint (only the one a resume left off in).
    private var resumeMStep = false
    private var roundLosses: [Double] = []

    /// Runs every round; `log` gets one line per round.
    public func run(log: (String) -> Void = { _ in }) throws {
        let metrics = try out.map { try MetricsLog(url: $0.appendingPathComponent("metrics.jsonl"), truncateAfterStep: history.count) }
        for round in history.count..<config.rounds {
            var made: [EMTypePolicy] = []
            for k in 0..<config.types {
                let (policy, loss) = try mStep(type: k, round: round, done: k < typesDone)
                made.append(policy)
                if k >= typesDone {
                    roundLosses.append(loss)
                    typesDone = k + 1
                    try saveState()
                }
            }
            policies = made
            priors = (0..<config.types).map { k in posteriors.map { $0[k] }.reduce(0, +) / Double(posteriors.count) }
            let ll = try eStep()
            history.append(Round(priors: priors, logLikelihood: ll, mStepLoss: roundLosses))
            typesDone = 0
            roundLosses = []
            try saveState()
            var line: [String: Any] = ["step": round + 1, "split": "train", "log_likelihood": ll,
                                       "loss": history.last!.mStepLoss.reduce(0, +) / Double(max(config.types, 1))]
            for (k, p) in priors.enumerated() { line["priors/\(k)"] = p }
            try metrics?.write(line)
            log("round \(round + 1)/\(config.rounds): log-likelihood \(String(format: "%.3f", ll)), priors \(priors.map { String(format: "%.3f", $0) }.joined(separator: " "))")
        }
    }

    private func saveState() throws {
        guard let out else { return }
        let state = State(posteriors: posteriors, priors: priors, history: history, typesDone: typesDone, roundLosses: roundLosses)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try JSONEncoder().encode(state).write(to: out.appendingPathComponent("em_state.json"), options: .atomic)
    }

    /// The most probable type of every annotator.
    public var assignments: [Int] { posteriors.map { p in p.indices.max { p[$0] < p[$1] }! } }

    /// Trains type k's policy from the SFT model with per-list weights γ_{k,u(list)} through the driver; returns
    /// it and its mean objective. With `done`, the M-step already finished before a resume: its weights are read
    /// back from `<out>/m-step/type-k/final`.
    func mStep(type k: Int, round: Int, done: Bool) throws -> (EMTypePolicy, Double) {
        let policy = try makePolicy(k)
        let folder = out?.appendingPathComponent("m-step").appendingPathComponent("type-\(k)")
        if done, let folder {
            try policy.trainable.read(from: folder.appendingPathComponent("final"))
            return (policy, roundLosses[k])
        }
        guard config.stepsPerRound > 0 else { return (policy, 0) }
        var settings = policy.mStepSettings(steps: config.stepsPerRound)
        settings.batchSize = min(config.batchSize, data.count)
        settings.seed = config.seed &+ UInt64(1 + round * config.types + k)
        settings.evalEvery = 0
        settings.checkpointEvery = max(1, config.stepsPerRound / 4)
        settings.gradAccum = gradAccum
        settings.checkpointActivations = checkpointActivations
        let task = try WeightedRankingTask(policy: policy, data: data, weights: posteriors.map { $0[k] }, beta: config.beta,
                                       sftWeight: config.sftWeight)
        let manifest = RunManifest(task: "em-dpo m-step", training: settings, settings: MStepSettings(round: round, type: k, em: config))
        let resumable = resumeMStep && (folder.map { TrainingCheckpoint.exists(at: $0.appendingPathComponent("checkpoint")) } ?? false)
        resumeMStep = false
        if let folder, !resumable { try? FileManager.default.removeItem(at: folder) }
        let driver = try TrainingDriver(model: policy.trainable, task: task, manifest: manifest, out: folder, resume: resumable)
        try driver.run()
        return (policy, task.meanObjective(of: folder))
    }

    /// The settings that identify one M-step in its manifest.
    struct MStepSettings: Codable, Equatable {
        var round: Int
        var type: Int
        var em: EMDPOConfig
    }

    /// log P_k(list) for every list (rows) and type (columns), without gradients.
    public func listLogLikelihoods() throws -> [[Double]] {
        var out = [[Double]](repeating: [Double](repeating: 0, count: policies.count), count: data.count)
        try withNoGrad {
            for (k, policy) in policies.enumerated() {
                for start in stride(from: 0, to: data.count, by: config.evalBatchSize) {
                    let idx = Array(start..<min(start + config.evalBatchSize, data.count))
                    let nll = try Variable.plackettLuceNLL(rewards: try policy.logRatios(idx) * config.beta,
                                                           lists: data.flatLists(idx)).value.scalars
                    for (i, l) in zip(idx, nll) { out[i][k] = -Double(l) }
                }
            }
        }
        return out
    }

    /// Updates the posteriors from the current policies and priors; returns the data log-likelihood.
    func eStep() throws -> Double {
        let result = Self.posteriors(listLogLikelihoods: try listLogLikelihoods(), annotatorOfList: data.annotatorOfList,
                                     annotators: data.annotators.count, priors: priors)
        posteriors = result.posteriors
        return result.logLikelihood
    }

    /// γ_ku = η_k Π_{lists of u} P_k / Σ_k' (…), computed with log-sum-exp; also Σ_u log Σ_k η_k Π P_k.
    /// An annotator without lists keeps the priors.
    public static func posteriors(listLogLikelihoods: [[Double]], annotatorOfList: [Int], annotators: Int,
                                  priors: [Double]) -> (posteriors: [[Double]], logLikelihood: Double) {
        var logPost = [[Double]](repeating: priors.map { Foundation.log(max($0, 1e-300)) }, count: annotators)
        for (list, u) in annotatorOfList.enumerated() {
            for k in priors.indices { logPost[u][k] += listLogLikelihoods[list][k] }
        }
        var total = 0.0
        let post = logPost.map { row -> [Double] in
            let m = row.max()!
            let lse = m + Foundation.log(row.map { Foundation.exp($0 - m) }.reduce(0, +))
            total += lse
            return row.map { Foundation.exp($0 - lse) }
        }
        return (post, total)
    }
}

/// One EM-DPO M-step as a training task: the mean over each minibatch of −w_i log P_k(list_i), where w_i is the
/// posterior of list i's annotator being of type k, plus (with `sftWeight`) the SFT term on each list's best
/// response, weighted by the same w_i.
final class WeightedRankingTask: MicroBatchedTask {
    let policy: EMTypePolicy
    let data: AnnotatedRankings
    let weights: [Double]
    let beta: Float
    let sftWeight: Float
    private(set) var objectives: [Double] = []

    init(policy: EMTypePolicy, data: AnnotatedRankings, weights: [Double], beta: Float, sftWeight: Float = 0) throws {
        if sftWeight > 0, data.count > 0, policy.bestResponses([0]) == nil {
            throw AlignmentError.invalidInput("this type policy has no token likelihood, so EM-DPO's SFT term (sft weight \(sftWeight)) cannot apply")
        }
        self.policy = policy
        self.data = data
        self.weights = weights
        self.beta = beta
        self.sftWeight = sftWeight
    }

    var exampleCount: Int? { data.count }

    /// Log-ratios of every response of the lists `batch`, list by list.
    func outputs(batch idx: [Int]) throws -> Variable { try policy.logRatios(idx) }

    func objective(microBatches: [[Int]], outputs: [Variable], rng: inout SeededGenerator) throws -> Variable {
        let idx = microBatches.flatMap { $0 }
        let w = idx.map { Float(weights[data.annotatorOfList[$0]]) }
        let ratios = try GradientAccumulation.joined(outputs)
        let lists = data.flatLists(idx)
        let nll = try Variable.plackettLuceNLL(rewards: ratios * beta, lists: lists)
        let objective = try (nll * Variable(Tensor(shape: [idx.count], w))).sum() * (1 / Float(idx.count))
        guard sftWeight > 0, let best = policy.bestResponses(idx) else { return objective }
        // log π of each list's best response = its log-ratio + the reference's log-prob
        let bestRatios = try Variable.concat(lists.map { try ratios.sliced(axis: 0, range: $0.order[0]..<($0.order[0] + 1)) }, axis: 0)
        let chosen = try bestRatios + Variable(Tensor(shape: [idx.count], best.referenceLogProbs))
        return try objective + ChosenSFTTerm.objective(chosenLogProbs: chosen, tokens: best.tokens, weight: sftWeight, exampleWeights: w)
    }

    func trainMetrics(objective: Float) -> [String: Double] {
        objectives.append(Double(objective))
        return ["loss": Double(objective)]
    }

    func evaluate() throws -> [String: Double] { [:] }

    /// The mean objective over the whole M-step: from this process's steps or, after a resume, from the run's
    /// metrics file (which holds every step).
    func meanObjective(of folder: URL?) -> Double {
        if let folder, let lines = try? MetricsLog.read(folder.appendingPathComponent("metrics.jsonl")) {
            let values = lines.compactMap { ($0["loss"] as? NSNumber)?.doubleValue }
            if !values.isEmpty { return values.reduce(0, +) / Double(values.count) }
        }
        return objectives.isEmpty ? 0 : objectives.reduce(0, +) / Double(objectives.count)
    }
}
