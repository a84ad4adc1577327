import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Foundation
import Models
import Tokenizer
import XCTest

/// The demo pipeline end to end on a tiny random base model and a small survey (seconds, not minutes).
final class DemoJobTests: XCTestCase {
    func testDemoWritesEveryRunTheTableAndTheReport() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ta-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var synthesizer = SurveySynthesizer(groups: SurveySynthesizer.groupNames(count: 5), questions: 60, seed: 0)
        synthesizer.groupLean = 0.6
        let corpus = try SurveyCorpus.text(synthesizer.generate(), samplesPerQuestion: 1, seed: 1)
        let tokenizer = try BPETrainer(vocabSize: 320).train(texts: [corpus])
        let config = GPTConfig(vocabSize: tokenizer.vocabularySize, nPositions: 128, nEmbd: 16, nLayer: 1, nHead: 2,
                               eosTokenId: tokenizer.id(for: "<|endoftext|>")!)
        let base = root.appendingPathComponent("base")
        try Checkpoint.save(try GPT(config, seed: 2), to: base, extraFiles: ["tokenizer.json": Data(tokenizer.tokenizerJSONString().utf8)])

        var job = try DemoJob(base: base, out: root.appendingPathComponent("demo"))
        job.recipe.questions = 60
        job.recipe.pairs = 100
        job.testPerGroup = 6
        job.validationPerGroup = 5
        job.sft.steps = 2
        job.align.steps = 3
        job.align.evalEvery = 3
        job.align.batchSize = 8
        job.showProgress = false
        var lines: [String] = []
        let (results, groups) = try job.run(log: { lines.append($0) })

        XCTAssertEqual(groups, ["Avalon", "Brightwater", "Cedar Isle", "Dunmore", "Eastmarch"])
        XCTAssertEqual(results.map(\.method), ["dpo", "is-dpo", "gr-dpo"])
        for r in results {
            for g in groups {
                let acc = try XCTUnwrap(r.metrics["group/\(g)/rewards/accuracies"], "\(r.method) \(g)")
                XCTAssertTrue((0...1).contains(acc))
                XCTAssertTrue(r.metrics["group/\(g)/loss"]!.isFinite)
            }
            XCTAssertEqual(r.alpha.values.reduce(0, +), 1, accuracy: 1e-5, r.method)
        }
        // Small groups get held-out questions beyond their own 10% split.
        let test = try PreferenceExample.load(root.appendingPathComponent("demo/data/test.jsonl"))
        XCTAssertEqual(test.filter { $0.group == "Eastmarch" }.count, 6)
        // Validation is topped up too, from questions neither the group's training nor its test pairs use.
        let validation = try PreferenceExample.load(root.appendingPathComponent("demo/data/validation.jsonl"))
        let trainIds = Set(try PreferenceExample.load(root.appendingPathComponent("demo/data/train.jsonl")).filter { $0.group == "Eastmarch" }.compactMap(\.id))
        let eastmarch = validation.filter { $0.group == "Eastmarch" }
        XCTAssertEqual(eastmarch.count, 5)
        XCTAssertTrue(eastmarch.allSatisfy { !trainIds.contains($0.id!) })
        XCTAssertTrue(Set(eastmarch.compactMap(\.id)).isDisjoint(with: test.filter { $0.group == "Eastmarch" }.compactMap(\.id)))
        XCTAssertEqual(validation.filter { $0.group == "Avalon" }.count, 5, "Avalon's own split (45 pairs → 5) needs no top-up")
        let table = DemoJob.table(results, groups: groups)
        for row in groups + ["worst group", "average over groups", "final α (gr-dpo)"] { XCTAssertTrue(table.contains(row), table) }
        let html = try String(contentsOf: root.appendingPathComponent("demo/report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("data-metric=\"worst-group-loss\""))
        XCTAssertTrue(lines.contains { $0.hasPrefix("survey: 60 questions, 5 groups") }, "\(lines)")

        // A later seed aligns from the first seed's SFT model instead of running SFT again.
        var shared = job
        shared.out = root.appendingPathComponent("demo-seed-1")
        shared.sftModel = root.appendingPathComponent("demo/sft/final")
        shared.methods = ["dpo"]
        shared.align.seed += 1
        var sharedLines: [String] = []
        _ = try shared.run(log: { sharedLines.append($0) })
        XCTAssertFalse(FileManager.default.fileExists(atPath: shared.out.appendingPathComponent("sft").path))
        XCTAssertTrue(sharedLines.contains("\n== SFT: shared, from \(root.path)/demo/sft/final"), "\(sharedLines)")
        let manifest = try RunManifest<AnySettings>.read(shared.out.appendingPathComponent("dpo/run_config.json"))
        XCTAssertEqual(manifest.model?.path, root.appendingPathComponent("demo/sft/final").path)
    }
}
