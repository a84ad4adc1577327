@testable import Alignment
@testable import Datasets
@testable import Recipes
import Autograd
import Foundation
import Models
import TensorCore
import TestSupport
import Training
import XCTest

/// `--grad-accum N`: N micro-batches give the objective, every gradient, the robust weighting's α and the
/// per-group metrics of one batch N× larger (to 1e-5), in every trainer; and the step's peak tensor memory drops.
final class GradientAccumulationTests: XCTestCase {
    /// Objective, every parameter's gradient and the task's state after one accumulated objective + backward.
    func accumulate(_ task: MicroBatchedTask, parameters: [Variable], batch: [Int], count: Int) throws -> (Float, [[Float]]) {
        parameters.forEach { $0.zeroGrad() }
        var rng = SeededGenerator(seed: 5)
        let (value, backward) = try GradientAccumulation.objective(task: task, batch: batch, count: count, rng: &rng)
        try backward()
        return (value, parameters.map { $0.grad?.scalars ?? [] })
    }

    func assertSame(_ a: (Float, [[Float]]), _ b: (Float, [[Float]]), _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        assertClose(a.0, b.0, rtol: 1e-5, atol: 1e-6, "\(what): objective", file: file, line: line)
        XCTAssertEqual(a.1.count, b.1.count, file: file, line: line)
        for (i, (x, y)) in zip(a.1, b.1).enumerated() {
            XCTAssertFalse(y.isEmpty, "\(what): parameter \(i) has a gradient", file: file, line: line)
            // Micro-batches pad to their own length, so GEMMs of other shapes (and kernels) round differently:
            // elements agree to 1e-5 of the parameter's largest gradient entry.
            let scale = y.map(abs).max() ?? 0
            assertClose(x, y, rtol: 1e-5, atol: max(1e-6, 1e-5 * scale), "\(what): gradient of parameter \(i)", file: file, line: line)
        }
    }

    /// A batch of 12 pairs from all three (imbalanced) groups.
    static let batch = [0, 5, 1, 10, 2, 3, 15, 4, 6, 20, 7, 8]

    func testPreferenceMethodsMatchOneLargeBatch() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        let bundle = try ModelBundle(world.base)
        let examples = try PreferenceExample.load(world.data)
        let groups = try PreferenceSet.groupNames(of: examples, file: "prefs")
        let pairs = try PreferenceSet(examples: examples, groups: groups, encoder: bundle.encoder(), prompt: GroupPrompt())
        // A reference that differs from the policy, so margins (and the robust α update) are not all zero.
        let reference = try ReferenceLogProbs.compute(model: GPT((bundle.model as! GPT).config, seed: 9), pairs: pairs.pairs, padId: bundle.eos)
        for (method, sft) in [("dpo", Float(0)), ("ipo", 0), ("is-dpo", 0), ("gr-dpo", 0.3), ("gr-ipo", 0)] {
            var config = AlignConfig()
            config.method = method; config.beta = 0.5; config.etaAlpha = 2; config.sftWeight = sft
            var results: [(Float, [[Float]])] = [], alphas: [[Float]] = [], metrics: [[String: Double]] = []
            for count in [1, 3, 4] {
                let task = try PreferenceTask(policy: bundle.model, config: config, train: pairs, trainReference: reference,
                                              validation: nil, validationReference: nil, padId: bundle.eos)
                results.append(try accumulate(task, parameters: bundle.model.parameters, batch: Self.batch, count: count))
                alphas.append(task.groupWeights)
                metrics.append(task.trainMetrics(objective: results.last!.0))
            }
            if method.hasPrefix("gr-") {
                XCTAssertGreaterThan(alphas[0].max()! - alphas[0].min()!, 1e-3, "\(method): α moved away from uniform")
            }
            for i in 1..<results.count {
                assertSame(results[i], results[0], "\(method), micro-batches \([1, 3, 4][i])")
                assertClose(alphas[i], alphas[0], rtol: 1e-5, atol: 1e-6, "\(method): α")
                XCTAssertEqual(metrics[i].keys.sorted(), metrics[0].keys.sorted())
                for (key, value) in metrics[0] {
                    XCTAssertEqual(metrics[i][key]!, value, accuracy: 1e-5 * max(1, abs(value)), "\(method): \(key)")
                }
            }
            XCTAssertNotNil(metrics[0]["group/east/loss"], "per-group metrics are compared")
        }
    }

    /// Completion-only SFT: the token mean over the whole batch (responses of different lengths), not a mean of
    /// micro-batch means.
    func testSFTTokenMeanMatchesOneLargeBatch() throws {
        let model = try GPT(GPTConfig(vocabSize: 50, nPositions: 32, nEmbd: 16, nLayer: 2, nHead: 2), seed: 3)
        let seqs = (0..<6).map { i in
            EncodedSequence(ids: (0..<(8 + i)).map { Int32(($0 * 7 + i * 3) % 50) }, responseStart: 2 + (i % 3) * 2)
        }
        let task = try SFTTask(model: model, train: seqs, validation: [], padId: 0)
        let whole = try accumulate(task, parameters: model.parameters, batch: Array(0..<6), count: 1)
        let ids = SequenceLogProbs.batch(seqs, padId: 0)
        assertClose(whole.0, try model.loss(ids.ids, targets: ids.targets, batch: 6).value.item, rtol: 1e-5, atol: 1e-6,
                    "SFT objective is the response-token mean cross-entropy")
        for count in [2, 3, 6] {
            assertSame(try accumulate(task, parameters: model.parameters, batch: Array(0..<6), count: count), whole, "SFT, \(count) micro-batches")
        }
    }

    /// Ranking (gr-pl) and EM-DPO's weighted M-step objective.
    func testRankingAndEMDPOMatchOneLargeBatch() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        let bundle = try ModelBundle(world.base)
        var examples: [RankingExample] = []
        for q in 0..<16 {
            examples.append(RankingExample(prompt: "Is item \(q % 5) good?", responses: [" A", " B", " C"],
                                           ranking: q % 2 == 0 ? [q % 3, (q + 1) % 3, (q + 2) % 3] : [q % 3],
                                           group: ["north", "south"][q % 2], annotator: "u\(q % 4)"))
        }
        let set = try RankingSet(examples: examples, groups: ["north", "south"], encoder: bundle.encoder(), prompt: GroupPrompt())
        let reference = try set.referenceLogProbs(model: GPT((bundle.model as! GPT).config, seed: 9), padId: bundle.eos)
        let batch = [3, 0, 7, 12, 1, 9, 4, 15]
        var config = AlignConfig()
        config.method = "gr-pl"; config.etaAlpha = 2
        var ranking: [(Float, [[Float]])] = [], alphas: [[Float]] = []
        for count in [1, 2, 4] {
            let task = try RankingTask(policy: bundle.model, config: config, train: set, reference: reference, padId: bundle.eos)
            ranking.append(try accumulate(task, parameters: bundle.model.parameters, batch: batch, count: count))
            alphas.append(task.weighting.groupWeights)
        }
        for i in 1..<3 {
            assertSame(ranking[i], ranking[0], "gr-pl")
            assertClose(alphas[i], alphas[0], rtol: 1e-5, atol: 1e-6, "gr-pl α")
        }

        let annotated = try AnnotatedRankings(examples: set.examples, file: "rankings")
        let policy = LanguageModelTypePolicy(model: bundle.model, set: set, reference: reference, padId: bundle.eos, lr: 1e-3)
        for sft: Float in [0, 0.3] {
            let task = try WeightedRankingTask(policy: policy, data: annotated, weights: [0.9, 0.1, 0.6, 0.3], beta: 0.5, sftWeight: sft)
            let whole = try accumulate(task, parameters: bundle.model.parameters, batch: batch, count: 1)
            assertSame(try accumulate(task, parameters: bundle.model.parameters, batch: batch, count: 4), whole, "EM-DPO M-step, sft \(sft)")
        }
    }

    /// Through the driver: two gr-dpo steps with --grad-accum 4 log the same losses and α as without and end at
    /// the same weights; the step's peak tensor memory is under 60% of the whole batch's.
    func testDriverStepsMatchAndPeakMemoryDrops() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        let bundle = try ModelBundle(world.base)
        let examples = try PreferenceExample.load(world.data)
        let groups = try PreferenceSet.groupNames(of: examples, file: "prefs")
        let pairs = try PreferenceSet(examples: examples, groups: groups, encoder: bundle.encoder(), prompt: GroupPrompt())
        let reference = try ReferenceLogProbs.compute(model: bundle.model, pairs: pairs.pairs, padId: bundle.eos)
        func run(_ accum: Int?) throws -> (lines: [[String: Any]], weights: [[Float]], peak: Int) {
            var config = AlignConfig()
            config.method = "gr-dpo"; config.etaAlpha = 1; config.steps = 2; config.batchSize = 16; config.lr = 1e-3; config.warmupSteps = 0
            config.training.gradAccum = accum
            let policy = try Checkpoint.load(from: world.base)
            let task = try PreferenceTask(policy: policy, config: config, train: pairs, trainReference: reference,
                                          validation: nil, validationReference: nil, padId: bundle.eos)
            let out = world.root.appendingPathComponent("run-\(accum ?? 1)")
            let driver = try TrainingDriver(model: TrainableLanguageModel(policy), task: task,
                                            manifest: RunManifest(task: "align", training: config.training, settings: config), out: out)
            let (_, peak) = try TensorMemory.peakBytes { try driver.run(stopAfter: 1) }
            try driver.run()
            let lines = try MetricsLog.read(out.appendingPathComponent("metrics.jsonl"))
            return (lines, policy.parameters.map(\.value.scalars), peak)
        }
        let whole = try run(nil), micro = try run(4)
        XCTAssertEqual(micro.lines.count, whole.lines.count)
        for (a, b) in zip(micro.lines, whole.lines) {
            for key in ["loss", "objective", "alpha/east", "alpha/north", "group/south/loss"] {
                XCTAssertEqual((a[key] as! NSNumber).doubleValue, (b[key] as! NSNumber).doubleValue, accuracy: 1e-5, key)
            }
        }
        for (a, b) in zip(micro.weights, whole.weights) { assertClose(a, b, rtol: 1e-4, atol: 2e-5, "weights after two steps") }
        XCTAssertLessThan(Double(micro.peak), 0.6 * Double(whole.peak), "peak tensor bytes: \(micro.peak) with 4 micro-batches vs \(whole.peak)")
    }

    /// A --grad-accum that does not divide the batch, or a trainer that cannot accumulate, is refused before
    /// anything is written.
    func testBadGradAccumIsRefusedBeforeWriting() throws {
        var s = TrainingSettings(batchSize: 8)
        for (n, ok) in [(1, true), (2, true), (8, true), (3, false), (16, false), (0, false)] {
            s.gradAccum = n
            if ok { XCTAssertNoThrow(try s.validateGradAccum()) } else {
                XCTAssertThrowsError(try s.validateGradAccum()) {
                    XCTAssertTrue("\($0)".contains(n == 0 ? "--grad-accum must be at least 1" : "--grad-accum \(n) does not divide"), "\($0)")
                }
            }
        }
        let model = try GPT(GPTConfig(vocabSize: 50, nPositions: 32, nEmbd: 16, nLayer: 1, nHead: 2), seed: 3)
        let task = try SFTTask(model: model, train: [EncodedSequence(ids: [1, 2, 3], responseStart: 1)], validation: [], padId: 0)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ta-accum-\(UUID().uuidString)")
        var settings = TrainingSettings(steps: 1, batchSize: 4)
        settings.gradAccum = 3
        XCTAssertThrowsError(try TrainingDriver(model: TrainableLanguageModel(model), task: task,
                                                manifest: RunManifest(task: "sft", training: settings, settings: settings), out: out)) {
            XCTAssertEqual("\($0)", "invalid input: --grad-accum 3 does not divide --batch-size 4 into equal micro-batches; choose a divisor of 4")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing was written")

        // Pretraining draws its own windows and has no per-example outputs: it cannot accumulate.
        var pretrain = PretrainConfig()
        pretrain.context = 8; pretrain.batchSize = 4; pretrain.steps = 1; pretrain.training.gradAccum = 2
        let windows = try NextTokenTask(model: model, train: (0..<40).map { Int32($0 % 50) }, validation: (0..<20).map { Int32($0 % 50) },
                                        config: pretrain)
        XCTAssertThrowsError(try TrainingDriver(model: TrainableLanguageModel(model), task: windows,
                                                manifest: RunManifest(task: "pretrain", training: pretrain.training, settings: pretrain), out: out)) {
            XCTAssertTrue("\($0)".contains("--grad-accum is not supported by this trainer (NextTokenTask)"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing was written")
    }

    /// The command line: one line on stderr, a non-zero exit, no run folder and no reference cache.
    func testCommandLineRefusesBadGradAccum() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        let out = world.root.appendingPathComponent("run"), cache = world.root.appendingPathComponent("cache")
        for args in [["align", "--model", world.base.path, "--data", world.data.path, "--cache-dir", cache.path],
                     ["sft", "--model", world.base.path, "--data", world.data.path]] {
            let r = try TinyAlignBinary.run(args + ["--out", out.path, "--batch-size", "8", "--grad-accum", "3"])
            XCTAssertNotEqual(r.status, 0)
            XCTAssertEqual(r.err.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count, 1, r.err)
            XCTAssertTrue(r.err.contains("--grad-accum 3 does not divide --batch-size 8"), r.err)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
            XCTAssertFalse(FileManager.default.fileExists(atPath: cache.path))
        }
        let zero = try TinyAlignBinary.run(["rank", "--model", world.base.path, "--data", world.data.path, "--out", out.path, "--grad-accum", "0"])
        XCTAssertNotEqual(zero.status, 0)
        XCTAssertTrue(zero.err.contains("--grad-accum must be at least 1"), zero.err)
    }

    /// EM-DPO passes --grad-accum to every M-step: the whole EM run (toy log-linear policies, 2 types, 3 rounds)
    /// ends with the same priors and posteriors.
    func testEMDPORunsTheSameWithMicroBatches() throws {
        var rng = SeededGenerator(seed: 4)
        var features: [[[Float]]] = [], rankings: [[Int]] = [], annotatorOfList: [Int] = []
        for u in 0..<8 {
            for _ in 0..<6 {
                features.append((0..<3).map { _ in (0..<3).map { _ in rng.nextNormal() } })
                rankings.append(u % 2 == 0 ? [0, 1] : [2])
                annotatorOfList.append(u)
            }
        }
        let data = try AnnotatedRankings(sizes: features.map(\.count), rankings: rankings, annotatorOfList: annotatorOfList,
                                         annotators: (0..<8).map { "u\($0)" })
        var config = EMDPOConfig()
        config.types = 2; config.rounds = 3; config.stepsPerRound = 5; config.batchSize = 12; config.beta = 1; config.seed = 3
        func run(_ accum: Int?) throws -> EMDPO {
            let em = try EMDPO(data: data, config: config) { _ in try RoleFeaturePolicy(features: features, lr: 0.1) }
            em.gradAccum = accum
            try em.run()
            return em
        }
        let whole = try run(nil), micro = try run(3)
        assertClose(micro.priors.map(Float.init), whole.priors.map(Float.init), rtol: 1e-5, atol: 1e-6, "priors")
        for (a, b) in zip(micro.posteriors, whole.posteriors) { assertClose(a.map(Float.init), b.map(Float.init), rtol: 1e-4, atol: 1e-5, "posteriors") }
        XCTAssertGreaterThan(abs(whole.priors[0] - 0.5), 1e-3, "EM moved the priors")
        // the setting reaches the M-step's driver: one that does not divide the batch of 12 is refused there
        XCTAssertThrowsError(try run(5)) { XCTAssertTrue("\($0)".contains("--grad-accum 5 does not divide --batch-size 12"), "\($0)") }
    }
}
