import Alignment
@testable import Datasets
@testable import Recipes
import Report
import Foundation
import Models
import TestSupport
import Tokenizer
import XCTest

/// `repro goqa` on a small file in the real GlobalOpinionQA format with a tiny model (seconds), and the paired
/// statistics behind its comparisons checked against SciPy.
final class GOQAReproTests: XCTestCase {
    static let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    static let csv = fixtures.appendingPathComponent("goqa_sample.csv")

    /// Paired t test and sign test against `scipy.stats.ttest_rel` and `binomtest` (make_seed_stats_fixture.py).
    func testPairedTestsMatchSciPy() throws {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("seed_stats_cases.json"))
        let cases = try XCTUnwrap((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 8)
        for (i, c) in cases.enumerated() {
            let a = c["a"] as! [Double], b = c["b"] as! [Double]
            let p = SeedStatistics.paired(a, b)
            XCTAssertEqual(p.t, c["t"] as! Double, accuracy: 1e-9 * max(1, abs(p.t)), "case \(i)")
            XCTAssertEqual(p.tTestP, c["t_test_p"] as! Double, accuracy: 1e-10, "case \(i)")
            XCTAssertEqual(p.below, c["below"] as! Int, "case \(i)")
            XCTAssertEqual(p.above, c["above"] as! Int, "case \(i)")
            XCTAssertEqual(p.signTestP, c["sign_test_p"] as! Double, accuracy: 1e-12, "case \(i)")
        }
        // By hand: t = 2.5 on 2 degrees of freedom has two-sided p = 1 − 2.5/√(2 + 2.5²) = 0.12961…
        XCTAssertEqual(StudentT.twoSidedP(t: 2.5, degreesOfFreedom: 2), 1 - 2.5 / (2 + 6.25).squareRoot(), accuracy: 1e-12)
        // On 1 degree of freedom (Cauchy): p = 1 − 2·atan(|t|)/π.
        XCTAssertEqual(StudentT.twoSidedP(t: -3, degreesOfFreedom: 1), 1 - 2 * atan(3) / .pi, accuracy: 1e-12)
        XCTAssertEqual(StudentT.twoSidedP(t: 0, degreesOfFreedom: 4), 1)
        XCTAssertEqual(StudentT.twoSidedP(t: .infinity, degreesOfFreedom: 4), 0)
        XCTAssertTrue(SeedStatistics.paired([1], [0]).tTestP.isNaN, "one seed has no test")
    }

    /// The paper's pair format: prefix from `GroupPrompt`, lettered options, no answer cue, the bare letter.
    func testPaperPairFormat() throws {
        let q = SurveyQuestion(id: "q1", question: "Is it good?", options: ["Yes", "1.0", "Refused"],
                               selections: ["Nigeria": [0.2, 0.7, 0.1]], source: "GAS")
        let pairs = try GlobalOpinionQAPairs.all(Survey(groups: ["Nigeria"], questions: [q]), seed: 0)
        XCTAssertEqual(pairs.count, 1)
        XCTAssertEqual(pairs[0].prompt, "Is it good?\nPlease select the best response:\nA. Yes\nB. 1.0\nC. Refused")
        XCTAssertEqual(GroupPrompt().render(prompt: pairs[0].prompt, group: "Nigeria"),
                       "Opinion of people in Nigeria on: Is it good?\nPlease select the best response:\nA. Yes\nB. 1.0\nC. Refused")
        XCTAssertEqual(pairs[0].chosen, "B")
        XCTAssertTrue(["A", "C"].contains(pairs[0].rejected))
    }

    /// A tiny GPT with a tokenizer trained on the fixture's prompts, saved as a checkpoint folder.
    static func tinyModel(at url: URL) throws {
        let imported = try GlobalOpinionQA.load(csv: csv, countries: GOQARepro.paperCountries)
        let pairs = try GlobalOpinionQAPairs.all(imported.survey, seed: 0)
        let text = pairs.map { GroupPrompt().render(prompt: $0.prompt, group: $0.group) + $0.chosen }
        let tokenizer = try BPETrainer(vocabSize: 400).train(texts: text)
        let config = GPTConfig(vocabSize: tokenizer.vocabularySize, nPositions: 256, nEmbd: 16, nLayer: 1, nHead: 2,
                               eosTokenId: tokenizer.id(for: "<|endoftext|>")!)
        try Checkpoint.save(try GPT(config, seed: 3), to: url, extraFiles: ["tokenizer.json": Data(tokenizer.tokenizerJSONString().utf8)])
    }

    func testReproOnTheFixtureSplitsPerCountryAndComputesTheStatisticsFromThePerSeedRuns() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ta-goqa-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let model = root.appendingPathComponent("base")
        try Self.tinyModel(at: model)
        var repro = GOQARepro(csv: Self.csv, model: model, out: root.appendingPathComponent("goqa"))
        repro.seeds = 2
        repro.sft.steps = 2
        repro.sft.batchSize = 8
        repro.sft.evalEvery = 2
        repro.align.steps = 4
        repro.align.batchSize = 8
        repro.align.evalEvery = 2
        repro.align.etaAlpha = 0.5
        repro.showProgress = false
        var lines: [String] = []
        let (prepared, runs) = try repro.run(log: { lines.append($0) })

        // 30/30/20/20/10 usable questions per country, split 80/10/10 with rounding; the cut-off row is reported.
        XCTAssertEqual(prepared.counts, [[24, 3, 3], [24, 3, 3], [16, 2, 2], [16, 2, 2], [8, 1, 1]])
        XCTAssertEqual(prepared.skippedRows?.hasPrefix("skipped 1 row: line 16: column \"options\""), true, prepared.skippedRows ?? "nil")
        XCTAssertTrue(lines.contains { $0.contains("Japan 8/1/1") }, "\(lines)")
        let train = try PreferenceExample.load(root.appendingPathComponent("goqa/data/train.jsonl"))
        XCTAssertEqual(train.count, 88)
        XCTAssertTrue(train.allSatisfy { $0.prompt.contains("\nPlease select the best response:\nA. ") && !$0.prompt.contains("Answer:") })
        XCTAssertTrue(train.allSatisfy { $0.chosen.count == 1 && $0.rejected.count == 1 && $0.chosen != $0.rejected })

        XCTAssertEqual(runs.map(\.method), GOQARepro.paperMethods + GOQARepro.paperMethods)
        XCTAssertEqual(runs.map(\.seed), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
        for r in runs {
            let losses = GOQARepro.paperCountries.map { r.test["group/\($0)/loss"]! }
            XCTAssertEqual(r.test["worst_group/loss"]!, losses.max()!, accuracy: 1e-9, r.method)
            XCTAssertEqual(r.lossImbalance(GOQARepro.paperCountries), losses.max()! - losses.min()!, accuracy: 1e-12)
            XCTAssertEqual(r.alphaSteps, [1, 2, 3, 4], r.method)
            for a in r.alpha { XCTAssertEqual(a.reduce(0, +), 1, accuracy: 1e-5, r.method) }
            XCTAssertEqual(r.evalSteps, [2, 4])
        }
        // GR-IPO moves α away from the sizes' uniform-per-pair weights; IPO keeps 24/88, … all along.
        let ipo = runs[0], grIPO = runs[2]
        XCTAssertEqual(ipo.alpha.last![4], 8.0 / 88, accuracy: 1e-5)
        XCTAssertNotEqual(grIPO.alpha.last!, grIPO.alpha.first!)
        // The seeds differ in data order only: the two seeds' SFT runs end apart.
        XCTAssertNotEqual(runs[0].test["worst_group/loss"], runs[5].test["worst_group/loss"])

        // Statistics are computed from the per-seed values.
        let comparisons = GOQARepro.comparisons(runs, methods: repro.methods)
        XCTAssertEqual(comparisons.map(\.method), ["gr-ipo", "gr-dpo"])
        let gr = [runs[2], runs[7]].map { $0.test["worst_group/loss"]! }, base = [runs[0], runs[5]].map { $0.test["worst_group/loss"]! }
        XCTAssertEqual(comparisons[0].grValues, gr)
        XCTAssertEqual(comparisons[0].baseValues, base)
        let d = zip(gr, base).map { $0 - $1 }
        XCTAssertEqual(comparisons[0].meanDifference, (d[0] + d[1]) / 2, accuracy: 1e-12)
        XCTAssertEqual(comparisons[0].stdDifference, abs(d[0] - d[1]) / 2.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(comparisons[0].lower, d.filter { $0 < 0 }.count)
        let summary = GOQARepro.summaryTable(runs, methods: repro.methods, countries: repro.countries)
        XCTAssertEqual(summary.rows[0][2], SeedStatistics(base).formatted())
        XCTAssertEqual(summary.rows[2][2], SeedStatistics(gr).formatted())

        let claims = try repro.write(runs, prepared: prepared)
        XCTAssertEqual(claims.map(\.holds), comparisons.map { $0.meanDifference < 0 })
        let html = try String(contentsOf: root.appendingPathComponent("goqa/report.html"), encoding: .utf8)
        for metric in ["goqa-worst-validation-loss", "goqa-alpha-gr-ipo", "goqa-alpha-gr-dpo"] {
            XCTAssertTrue(html.contains("data-metric=\"\(metric)\""), metric)
        }
        XCTAssertTrue(html.contains("loss imbalance"))
        XCTAssertTrue(html.contains("skipped 1 row: line 16"))
        let decoded = try JSONDecoder().decode([GOQARepro.Run].self, from: Data(contentsOf: root.appendingPathComponent("goqa/runs.json")))
        XCTAssertEqual(decoded, runs)
        // Each run is an ordinary run folder the report command reads.
        XCTAssertEqual(try RunData.load(root.appendingPathComponent("goqa/seed-1/gr-dpo")).method, "gr-dpo")
    }

    /// The command as a user runs it; a country the file lacks is one line naming it, before any training.
    func testCommandLine() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ta-goqa-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let model = root.appendingPathComponent("base")
        try Self.tinyModel(at: model)
        let out = root.appendingPathComponent("goqa").path
        let r = try TinyAlignBinary.run(["repro", "goqa", "--data", Self.csv.path, "--model", model.path, "--out", out,
                                         "--seeds", "2", "--sft-steps", "1", "--steps", "2", "--eval-every", "2",
                                         "--batch-size", "8", "--methods", "ipo,gr-ipo", "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("Nigeria 24/3/3"), r.out)
        XCTAssertTrue(r.out.contains("gr-ipo vs ipo"), r.out)
        XCTAssertTrue(r.out.contains("report in \(out)/report.html"), r.out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/seed-1/gr-ipo/eval.json"))
        let bad = try TinyAlignBinary.run(["repro", "goqa", "--data", Self.csv.path, "--model", model.path, "--out", out + "-bad",
                                           "--countries", "Nigeria,Atlantis"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("\"Atlantis\""), bad.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "-bad/seed-0"))
    }
}
