import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Autograd
import Foundation
import TensorCore
import XCTest

/// EM-DPO on log-linear toy policies: recovery of annotator types, and the identifiability gap between pairwise
/// comparisons and 3-way rankings.
final class EMDPOToyTests: XCTestCase {
    /// Two types with opposite tastes over 4 features; each annotator compares 15 random response pairs with
    /// P(a ≻ b) = σ(u_type·(φ_a − φ_b)). Pairs identify these types: EM must sort every annotator and find the
    /// 2:1 prior.
    func testRecoversOppositeTypesFromPairs() throws {
        var rng = SeededGenerator(seed: 11)
        let truthUtility: [[Float]] = [[2, -1, 0.5, 0], [-2, 1, -0.5, 0]]
        var features: [[[Float]]] = [], rankings: [[Int]] = [], annotatorOfList: [Int] = [], truth: [Int] = []
        for u in 0..<30 {
            let type = u % 3 == 2 ? 1 : 0
            truth.append(type)
            for _ in 0..<15 {
                let pair = (0..<2).map { _ in (0..<4).map { _ in rng.nextNormal() } }
                let margin = zip(truthUtility[type], zip(pair[0], pair[1])).map { $0 * ($1.0 - $1.1) }.reduce(0, +)
                features.append(pair)
                rankings.append(rng.nextUniformDouble() < 1 / (1 + exp(-Double(margin))) ? [0] : [1])
                annotatorOfList.append(u)
            }
        }
        let data = try AnnotatedRankings(sizes: features.map(\.count), rankings: rankings, annotatorOfList: annotatorOfList,
                                         annotators: (0..<30).map { "u\($0)" }, trueGroups: truth)
        var config = EMDPOConfig()
        config.types = 2; config.rounds = 6; config.stepsPerRound = 40; config.batchSize = 450; config.beta = 1; config.seed = 2
        let em = try EMDPO(data: data, config: config) { _ in try RoleFeaturePolicy(features: features, lr: 0.1) }
        try em.run()
        XCTAssertEqual(try ClusterRecovery.accuracy(predicted: em.assignments, truth: truth), 1)
        XCTAssertEqual(try ClusterRecovery.adjustedRandIndex(em.assignments, truth), 1, accuracy: 1e-12)
        XCTAssertEqual(em.priors.max()!, 2.0 / 3, accuracy: 0.02)
        // EM never lowers the likelihood much (the M-step is approximate, a few Adam steps from θ = 0)
        XCTAssertGreaterThan(em.history.last!.logLikelihood, em.history.first!.logLikelihood - 1)
    }

    /// The identifiability construction (EM-DPO paper: pairwise comparisons cannot identify preference types,
    /// rankings of ≥ 3 can).
    ///
    /// Every question shows three responses: two "extremes" E1, E2 and a "middle" M, in random positions; the
    /// features are one-hot roles [E1, M, E2]. Two hidden types of annotator:
    /// - *centrists* always put M in the middle: E1 ≻ M ≻ E2 or E2 ≻ M ≻ E1, each with probability 1/2;
    /// - *polarised* annotators always put M at an end: M ≻ E1 ≻ E2, M ≻ E2 ≻ E1, E1 ≻ E2 ≻ M, E2 ≻ E1 ≻ M, 1/4 each.
    /// Every pairwise comparison is a fair coin under both types: P(E1 ≻ M) = P(M ≻ E2) = P(E1 ≻ E2) = 1/2 — so
    /// pairs carry no information about the type, whatever model fits them. Full rankings do: fitted by
    /// Plackett–Luce, centrists give M utility ln √2 ≈ +0.35 over the extremes, polarised annotators ≈ −0.25,
    /// which separates them by 0.084 / 0.060 nats per question on average (KL between the fitted models).
    ///
    /// The same annotators answer the same questions once: the ranking version sees each full ranking, the pair
    /// version sees one random pair of the three responses, ordered as in that ranking.
    func testRankingsIdentifyTypesThatPairsCannot() throws {
        var rankingAccuracy: [Double] = [], pairAccuracy: [Double] = [], rankingARI: [Double] = [], pairARI: [Double] = []
        for seed in 0..<3 {
            let world = Self.centristsAndPolarised(annotators: 24, questions: 150, seed: UInt64(seed))
            for pairs in [false, true] {
                var features: [[[Float]]] = [], rankings: [[Int]] = []
                var rng = SeededGenerator(seed: UInt64(100 + seed))
                for (roles, ranking) in zip(world.roles, world.rankings) {
                    let onehot = roles.map { r in (0..<3).map { Float($0 == r ? 1 : 0) } }
                    if pairs {
                        var shown = [0, 1, 2]
                        shown.remove(at: rng.nextInt(below: 3))
                        let order = ranking.filter(shown.contains)            // the pair as the ranking orders it
                        features.append(order.map { onehot[$0] })
                        rankings.append([0])
                    } else {
                        features.append(onehot)
                        rankings.append(ranking)
                    }
                }
                let data = try AnnotatedRankings(sizes: features.map(\.count), rankings: rankings,
                                                 annotatorOfList: world.annotatorOfList,
                                                 annotators: world.truth.indices.map { "u\($0)" }, trueGroups: world.truth)
                var config = EMDPOConfig()
                config.types = 2; config.rounds = 6; config.stepsPerRound = 25; config.batchSize = 400
                config.beta = 1; config.seed = UInt64(seed); config.evalBatchSize = data.count
                let em = try EMDPO(data: data, config: config) { _ in try RoleFeaturePolicy(features: features, lr: 0.1) }
                try em.run()
                let acc = try ClusterRecovery.accuracy(predicted: em.assignments, truth: world.truth)
                let ari = try ClusterRecovery.adjustedRandIndex(em.assignments, world.truth)
                if pairs { pairAccuracy.append(acc); pairARI.append(ari) } else { rankingAccuracy.append(acc); rankingARI.append(ari) }
            }
        }
        let mean = { (x: [Double]) in x.reduce(0, +) / Double(x.count) }
        print("identifiability: rankings accuracy \(rankingAccuracy) ARI \(rankingARI); pairs accuracy \(pairAccuracy) ARI \(pairARI)")
        XCTAssertGreaterThanOrEqual(mean(rankingAccuracy), 0.9)
        XCTAssertGreaterThanOrEqual(rankingAccuracy.min()!, 0.85)
        XCTAssertLessThanOrEqual(mean(pairAccuracy), 0.7)
        XCTAssertGreaterThan(mean(rankingARI), 0.6)
        XCTAssertLessThan(mean(pairARI), 0.15)
    }

    /// `annotators` (half centrists = type 0, half polarised = type 1) each rank `questions` triples.
    /// roles[list][position] ∈ {0 = E1, 1 = M, 2 = E2}; rankings are positions best first.
    static func centristsAndPolarised(annotators: Int, questions: Int, seed: UInt64)
        -> (roles: [[Int]], rankings: [[Int]], annotatorOfList: [Int], truth: [Int]) {
        var rng = SeededGenerator(seed: seed)
        let centrist = [[0, 1, 2], [2, 1, 0]]
        let polarised = [[1, 0, 2], [1, 2, 0], [0, 2, 1], [2, 0, 1]]
        var roles: [[Int]] = [], rankings: [[Int]] = [], owner: [Int] = [], truth: [Int] = []
        for u in 0..<annotators {
            let type = u % 2
            truth.append(type)
            for _ in 0..<questions {
                var position = [0, 1, 2]
                position.shuffle(using: &rng)                            // role r sits at position[r]
                let byRole = type == 0 ? centrist[rng.nextInt(below: 2)] : polarised[rng.nextInt(below: 4)]
                var r = [0, 0, 0]
                for role in 0..<3 { r[position[role]] = role }
                roles.append(r)
                rankings.append(byRole.map { position[$0] })
                owner.append(u)
            }
        }
        return (roles, rankings, owner, truth)
    }
}
