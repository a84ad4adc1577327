@testable import Alignment
@testable import Datasets
import Autograd
import Foundation
import TensorCore
import XCTest

/// GPO's learned-σ Gaussian likelihood and per-episode context sizes (the GPO code's choices, as options).
final class GPOLearnedSigmaTests: XCTestCase {
    func model(_ likelihood: GPOLikelihood, data: GPODataset, seed: UInt64 = 4) throws -> GPOModel {
        let stats = data.embeddingStatistics()
        return try GPOModel(GPOConfig(embeddingDimension: GPOToyWorld.dimension, dModel: 8, layers: 1, heads: 2, likelihood: likelihood),
                            mean: stats.mean, std: stats.std, seed: seed)
    }

    func testLossIsTheGaussianNegativeLogLikelihood() throws {
        let (data, _) = try GPOToyWorld.dataset(groups: 3, questions: 8, seed: 2)
        let m = try model(.learnedSigma, data: data)
        let episode = try GPOEpisode(dataset: data, group: "g2", context: [0, 1], targets: [2, 3, 4])
        let (mean, sigma) = try m.targetPredictionsAndSigmas(episode)
        let mu = mean.value.scalars, s = try XCTUnwrap(sigma).value.scalars
        XCTAssertTrue(s.allSatisfy { $0 > GPOModel.minimumSigma })
        var nll = 0.0
        for (i, y) in episode.targetShares.enumerated() {
            let z = (Double(y) - Double(mu[i])) / Double(s[i])
            nll += 0.5 * z * z + Foundation.log(Double(s[i])) + 0.5 * Foundation.log(2 * Double.pi)
        }
        nll /= Double(episode.targetShares.count)
        XCTAssertEqual(Double(try m.loss(episode).value.item), nll, accuracy: 1e-5)
        // the mean head is the same as the MSE model's: predictions stay distributions
        XCTAssertEqual(try m.predict(episode).map { ($0.reduce(0, +) * 1e4).rounded() }, [1e4, 1e4, 1e4])
    }

    /// The σ head gets the gradient finite differences give (so the likelihood really trains σ).
    func testSigmaHeadGradientMatchesFiniteDifferences() throws {
        let (data, _) = try GPOToyWorld.dataset(groups: 3, questions: 8, seed: 2)
        let m = try model(.learnedSigma, data: data)
        let episode = try GPOEpisode(dataset: data, group: "g1", context: [0, 1, 5], targets: [2, 3, 4, 6])
        let (name, bias) = try XCTUnwrap(m.namedParameters.first { $0.0.hasPrefix("sigma_head") && $0.1.shape == [1] })
        XCTAssertEqual(name, "sigma_head.bias")
        for p in m.parameters { p.grad = nil }
        let l = try m.loss(episode)
        l.backward()
        let analytic = Double(try XCTUnwrap(bias.grad).scalars[0])
        let b0 = bias.value.scalars[0], h: Float = 1e-2
        func loss(at b: Float) throws -> Double {
            bias.assign(Tensor(shape: [1], [b]))
            return Double(try withNoGrad { try m.loss(episode) }.value.item)
        }
        let numeric = (try loss(at: b0 + h) - loss(at: b0 - h)) / Double(2 * h)
        bias.assign(Tensor(shape: [1], [b0]))
        XCTAssertGreaterThan(abs(analytic), 1e-3)
        XCTAssertEqual(analytic, numeric, accuracy: 2e-3 * max(1, abs(numeric)))
    }

    func testConfigWithoutLikelihoodIsMSEAndLearnedSigmaRoundTrips() throws {
        let old = #"{"embedding_dim": 8, "d_model": 16, "n_layer": 1, "n_head": 2}"#
        XCTAssertEqual(try JSONDecoder().decode(GPOConfig.self, from: Data(old.utf8)).likelihood, .mse)
        let (data, _) = try GPOToyWorld.dataset(groups: 3, questions: 8, seed: 2)
        let m = try model(.learnedSigma, data: data)
        XCTAssertEqual(m.namedParameters.count, try model(.mse, data: data).namedParameters.count + 2)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gpo-sigma-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let info = GPOTrainingInfo(trainGroups: ["g0"], steps: 0, contextQuestions: 2, embeddingModel: "toy", pooling: "all")
        try GPOCheckpoint.save(m, info: info, to: dir)
        let (loaded, _) = try GPOCheckpoint.load(from: dir)
        XCTAssertEqual(loaded.config.likelihood, .learnedSigma)
        let episode = try GPOEpisode(dataset: data, group: "g2", context: [0, 1], targets: [2, 3])
        XCTAssertEqual(try loaded.loss(episode).value.item, try m.loss(episode).value.item)
    }

    func testContextSizesAreDrawnPerEpisodeWithinTheRange() throws {
        let (data, _) = try GPOToyWorld.dataset(groups: 2, questions: 30, seed: 5)
        var options = GPOTrainOptions()
        options.contextQuestions = 6
        options.targetQuestions = 4
        var rng = SeededGenerator(seed: 1)
        let questions = data.questionIndices(answeredBy: "g0")
        let fixed = try (0..<20).map { _ in try GPOTrainer.sampleEpisode(data, group: "g0", questions: questions, options: options, rng: &rng) }
        options.minContextQuestions = 2
        var sizes = Set<Int>()
        for _ in 0..<300 {
            var probe = rng
            let e = try GPOTrainer.sampleEpisode(data, group: "g0", questions: questions, options: options, rng: &rng)
            let m = 2 + probe.nextInt(below: 5)                    // the draw sampleEpisode makes first
            sizes.insert(m)
            XCTAssertEqual(e.targetSizes.count, 4)
            // context points = Σ options of the m context questions, 2 to 4 options each
            XCTAssertGreaterThanOrEqual(e.contextCount, 2 * m)
            XCTAssertLessThanOrEqual(e.contextCount, 4 * m)
        }
        XCTAssertEqual(sizes, [2, 3, 4, 5, 6])
        XCTAssertTrue(fixed.allSatisfy { $0.contextCount >= 12 }, "without a minimum every episode has 6 context questions")
        options.minContextQuestions = 7
        XCTAssertThrowsError(try GPOTask(model: try model(.mse, data: data), data: data, groups: ["g0"], options: options)) {
            XCTAssertEqual("\($0)", "GPO: the smallest context size 7 must be in 1...6")
        }
    }

    /// Meta-training with the learned-σ likelihood and varying context sizes still learns the toy world.
    func testLearnedSigmaMetaTrainingBeatsUniform() throws {
        let (data, _) = try GPOToyWorld.dataset(groups: 9, questions: 60, seed: 1)
        let heldOut = ["g1", "g7"]
        let train = data.groups.filter { !heldOut.contains($0) }
        let stats = data.embeddingStatistics()
        let m = try GPOModel(GPOConfig(embeddingDimension: GPOToyWorld.dimension, dModel: 32, layers: 2, heads: 2, likelihood: .learnedSigma),
                             mean: stats.mean, std: stats.std, seed: 0)
        var options = GPOTrainOptions()
        options.steps = 400
        options.contextQuestions = 6
        options.minContextQuestions = 3
        options.targetQuestions = 10
        options.episodesPerStep = 2
        options.lr = 3e-3
        let losses = try GPOTrainer.train(m, data: data, groups: train, options: options)
        let early = losses.prefix(20).reduce(0, +) / 20, late = losses.suffix(20).reduce(0, +) / 20
        let scores = try heldOut.map {
            try GPOEvaluator.evaluate(m, data: data, group: $0, trainingGroups: train, contextQuestions: 6, repeats: 2, seed: 3)
        }
        let gpo = scores.map(\.gpo).reduce(0, +) / 2, uniform = scores.map(\.uniform).reduce(0, +) / 2
        print(String(format: "GPO learned σ: NLL %.4f -> %.4f; held-out GPO %.4f vs uniform %.4f", early, late, gpo, uniform))
        XCTAssertLessThan(late, early - 0.5, "the NLL falls (σ shrinks as the predictions improve)")
        XCTAssertGreaterThan(gpo, uniform + 0.1)
    }
}
