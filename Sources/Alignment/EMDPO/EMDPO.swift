import Autograd
import Foundation
import Models
import TensorCore

/// Settings of an EM-DPO run.
public struct EMDPOConfig: Codable, Equatable, Sendable {
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
/// A round is M-step, priors, E-step; the first M-step uses random posteriors (seeded), which breaks the
/// symmetry between types.
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

    /// EM over `data`; `makePolicy(k)` returns a fresh copy of the SFT policy for type k.
    public init(data: AnnotatedRankings, config: EMDPOConfig, makePolicy: @escaping (Int) throws -> EMTypePolicy) throws {
        guard config.types >= 1, config.rounds >= 1, config.stepsPerRound >= 0, config.batchSize >= 1 else {
            throw AlignmentError.invalidInput("EM-DPO needs types ≥ 1, rounds ≥ 1, steps ≥ 0 and batch size ≥ 1 (got \(config.types), \(config.rounds), \(config.stepsPerRound), \(config.batchSize))")
        }
        self.data = data
        self.config = config
        self.makePolicy = makePolicy
        var rng = SeededGenerator(seed: config.seed)
        posteriors = data.annotators.map { _ in
            let e = (0..<config.types).map { _ in -Foundation.log(max(rng.nextUniformDouble(), 1e-12)) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }
        }
        priors = Array(repeating: 1 / Double(config.types), count: config.types)
    }

    /// Runs every round; `log` gets one line per round.
    public func run(log: (String) -> Void = { _ in }) throws {
        for round in history.count..<config.rounds {
            var losses: [Double] = []
            policies = try (0..<config.types).map { k in
                let (policy, loss) = try mStep(type: k, round: round)
                losses.append(loss)
                return policy
            }
            priors = (0..<config.types).map { k in posteriors.map { $0[k] }.reduce(0, +) / Double(posteriors.count) }
            let ll = try eStep()
            history.append(Round(priors: priors, logLikelihood: ll, mStepLoss: losses))
            log("round \(round + 1)/\(config.rounds): log-likelihood \(String(format: "%.3f", ll)), priors \(priors.map { String(format: "%.3f", $0) }.joined(separator: " "))")
        }
    }

    /// The most probable type of every annotator.
    public var assignments: [Int] { posteriors.map { p in p.indices.max { p[$0] < p[$1] }! } }

    /// Trains type k's policy from the SFT model with per-list weights γ_{k,u(list)}; returns it and its mean objective.
    func mStep(type k: Int, round: Int) throws -> (EMTypePolicy, Double) {
        let policy = try makePolicy(k)
        var sampler = EpochSampler(count: data.count, seed: config.seed &+ UInt64(1 + round * config.types + k))
        var total = 0.0
        for step in 0..<config.stepsPerRound {
            let idx = sampler.next(min(config.batchSize, data.count))
            let weights = idx.map { Float(posteriors[data.annotatorOfList[$0]][k]) }
            total += Double(try policy.step(step) {
                let nll = try Variable.plackettLuceNLL(rewards: try policy.logRatios(idx) * config.beta, lists: data.flatLists(idx))
                return try (nll * Variable(Tensor(shape: [idx.count], weights))).sum() * (1 / Float(idx.count))
            })
        }
        return (policy, config.stepsPerRound > 0 ? total / Double(config.stepsPerRound) : 0)
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
