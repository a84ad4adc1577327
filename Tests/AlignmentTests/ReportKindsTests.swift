import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Foundation
import Models
import TensorCore
import Tokenizer
import Training
import XCTest

/// Reports render for every kind of run, not only alignment: SFT shows its training and eval loss, pretraining
/// its loss, EM-DPO its M-step loss per round.
final class ReportKindsTests: XCTestCase {
    /// The points of the polylines of the chart tagged `metric` (one count per line).
    func polylinePoints(_ html: String, metric: String) -> [Int] {
        guard let start = html.range(of: "data-metric=\"\(metric)\"") else { return [] }
        let chart = html[start.upperBound...].prefix { _ in true }
        let end = chart.range(of: "</svg>").map { chart[..<$0.lowerBound] } ?? chart
        return end.components(separatedBy: "<polyline").dropFirst().map { piece in
            let points = piece.components(separatedBy: "points=\"")[1].prefix { $0 != "\"" }
            return points.split(separator: " ").count
        }
    }

    func testSFTAndPretrainReportsChartTheirLosses() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        var sft = SFTConfig()
        sft.steps = 4
        sft.batchSize = 4
        sft.evalEvery = 2
        var job = SFTJob(model: world.base, data: world.data, out: world.root.appendingPathComponent("sft"), config: sft)
        job.showProgress = false
        try job.run(log: { _ in })
        let sftHTML = ReportBuilder.html(runs: [try RunData.load(world.root.appendingPathComponent("sft"))])
        XCTAssertEqual(polylinePoints(sftHTML, metric: "training-loss"), [4, 2], "train loss every step, eval loss at steps 2 and 4")

        let model = try Checkpoint.load(from: world.base)
        let tokens = (0..<400).map { Int32($0 % 50) }
        var pre = PretrainConfig()
        pre.steps = 3
        pre.batchSize = 2
        pre.context = 8
        pre.evalEvery = 3
        pre.warmupSteps = 1
        let out = world.root.appendingPathComponent("pretrain")
        try Pretrainer(model: model, config: pre, data: TokenDataset(tokens: tokens), out: out, tokenizerJSON: nil, resume: false).run()
        let preHTML = ReportBuilder.html(runs: [try RunData.load(out)])
        XCTAssertEqual(polylinePoints(preHTML, metric: "training-loss"), [3, 1])
        XCTAssertTrue(preHTML.contains("pretrain"))
    }

    func testEMDPOReportRenders() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ta-emr-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var synth = SurveySynthesizer(groups: SurveySynthesizer.groupNames(count: 2), questions: 12, seed: 3)
        synth.groupLean = 0.8
        let survey = try synth.generate()
        var maker = SurveyAnnotators(annotators: 4, seed: 4)
        maker.questionsPerAnnotator = 3
        let data = root.appendingPathComponent("annotators.jsonl")
        let rankings = try maker.rankings(survey)
        try RankingExample.save(rankings, to: data)
        let tokenizer = try BPETrainer(vocabSize: 280, specialTokens: ["<|endoftext|>"]).train(texts: [rankings.map { $0.prompt + $0.responses.joined() }.joined()])
        let config = GPTConfig(vocabSize: tokenizer.vocabularySize, nPositions: 128, nEmbd: 16, nLayer: 1, nHead: 2,
                               eosTokenId: tokenizer.id(for: "<|endoftext|>")!)
        let base = root.appendingPathComponent("base")
        try Checkpoint.save(try GPT(config, seed: 1), to: base, extraFiles: ["tokenizer.json": Data(tokenizer.tokenizerJSONString().utf8)])
        var em = EMDPOConfig()
        em.types = 2; em.rounds = 2; em.stepsPerRound = 2; em.batchSize = 4; em.lr = 1e-3; em.seed = 1
        let out = root.appendingPathComponent("em")
        try EMDPOJob(model: base, data: data, out: out, config: em).run(log: { _ in })
        let html = ReportBuilder.html(runs: [try RunData.load(out)])
        XCTAssertEqual(polylinePoints(html, metric: "training-loss"), [2], "one M-step loss per round")
        XCTAssertTrue(html.contains("<h2>em-dpo</h2>"))
    }
    func testGPOReportRenders() throws {
        let world = try GPOTestWorld(groups: 4, questions: 20)
        defer { world.remove() }
        let (root, surveyURL, model) = (world.root, world.surveyURL, world.model)
        var job = GPOTrainJob(survey: surveyURL, embeddingModel: model, out: root.appendingPathComponent("gpo"))
        job.dModel = 16; job.layers = 1; job.heads = 2
        job.options.steps = 6; job.options.contextQuestions = 4; job.options.targetQuestions = 4
        job.showProgress = false
        _ = try job.run()
        let html = ReportBuilder.html(runs: [try RunData.load(root.appendingPathComponent("gpo"))])
        XCTAssertEqual(polylinePoints(html, metric: "training-loss").first, 6, "one GPO loss per step")
        XCTAssertTrue(html.contains("gpo"))
    }
}
