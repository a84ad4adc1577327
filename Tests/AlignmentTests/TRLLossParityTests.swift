import Alignment
@testable import Datasets
@testable import Recipes
import Autograd
import Foundation
import TensorCore
import XCTest

/// IPO, hinge, conservative DPO and SimPO against TRL 1.16's own loss code on fixed log-prob tensors
/// (Fixtures/make_trl_loss_fixture.py; plain DPO is in TRLParityTests, end to end).
///
/// Tolerance: |ours − TRL| ≤ 1e-5 · max(1, |TRL|) for every pair — TRL computes in float64 on the same inputs,
/// TinyAlign in Float32, so the gap is input rounding (~1e-7 relative), far inside the bound.
final class TRLLossParityTests: XCTestCase {
    struct Fixture: Decodable {
        struct Pair: Decodable {
            var policy_chosen: Double, policy_rejected: Double, reference_chosen: Double, reference_rejected: Double
            var chosen_length: Int, rejected_length: Int
            var ipo: Double, hinge: Double, sigmoid: Double, cdpo: Double, simpo: Double
        }
        var beta: Float, label_smoothing: Float, simpo_beta: Float, simpo_gamma: Float
        var pairs: [Pair]
    }

    func fixture() throws -> Fixture {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent("trl_losses.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    func batch(_ f: Fixture) -> PairLogProbs {
        let n = f.pairs.count
        func t(_ k: KeyPath<Fixture.Pair, Double>) -> Tensor { Tensor(shape: [n], f.pairs.map { Float($0[keyPath: k]) }) }
        return PairLogProbs(policyChosen: Variable(t(\.policy_chosen)), policyRejected: Variable(t(\.policy_rejected)),
                            referenceChosen: t(\.reference_chosen), referenceRejected: t(\.reference_rejected),
                            chosenLengths: f.pairs.map(\.chosen_length), rejectedLengths: f.pairs.map(\.rejected_length))
    }

    func assertMatches(_ loss: PreferenceLoss, _ column: KeyPath<Fixture.Pair, Double>, _ f: Fixture,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let ours = try loss.perPairLoss(batch(f)).value.scalars
        XCTAssertEqual(ours.count, f.pairs.count, file: file, line: line)
        var worst = 0.0
        for (i, (o, p)) in zip(ours, f.pairs).enumerated() {
            let trl = p[keyPath: column]
            let err = abs(Double(o) - trl) / max(1, abs(trl))
            worst = max(worst, err)
            XCTAssertLessThanOrEqual(err, 1e-5, "\(loss.name) pair \(i): ours \(o) vs TRL \(trl)", file: file, line: line)
        }
        print(String(format: "TRL loss parity %@: worst scaled error %.2e over %d pairs", loss.name, worst, f.pairs.count))
    }

    func testIPOAveragedLogProbsMatchTRL() throws {
        let f = try fixture()
        try assertMatches(IPOLoss(beta: f.beta, averageLogProbs: true), \.ipo, f)
    }

    /// TinyAlign's default IPO sums log-probs (the GRPO code's form), so it must *not* match TRL's averaged IPO.
    func testSummedIPODiffersFromTRL() throws {
        let f = try fixture()
        let summed = try IPOLoss(beta: f.beta).perPairLoss(batch(f)).value.scalars
        for (s, p) in zip(summed, f.pairs) {
            let h = (p.policy_chosen - p.reference_chosen) - (p.policy_rejected - p.reference_rejected)
            XCTAssertEqual(Double(s), (h - 1 / (2 * Double(f.beta))) * (h - 1 / (2 * Double(f.beta))), accuracy: 1e-3)
        }
        XCTAssertGreaterThan(zip(summed, f.pairs).map { abs(Double($0) - $1.ipo) }.max()!, 1)
    }

    func testHingeMatchesTRL() throws {
        let f = try fixture()
        try assertMatches(HingeLoss(beta: f.beta), \.hinge, f)
    }

    func testSigmoidDPOMatchesTRL() throws {
        let f = try fixture()
        try assertMatches(DPOLoss(beta: f.beta), \.sigmoid, f)
    }

    func testConservativeDPOMatchesTRLLabelSmoothing() throws {
        let f = try fixture()
        try assertMatches(ConservativeDPOLoss(beta: f.beta, labelSmoothing: f.label_smoothing), \.cdpo, f)
    }

    func testSimPOMatchesTRLCPOTrainer() throws {
        let f = try fixture()
        try assertMatches(SimPOLoss(beta: f.simpo_beta, gamma: f.simpo_gamma), \.simpo, f)
    }

    /// `--ipo-average-logps` reaches the loss through the registry.
    func testRegistryPassesTheAveragingSwitch() throws {
        var config = AlignConfig()
        config.method = "gr-ipo"
        XCTAssertEqual((try PreferenceLosses.loss(for: config) as? IPOLoss)?.averageLogProbs, false)
        config.ipoAverageLogps = true
        XCTAssertEqual((try PreferenceLosses.loss(for: config) as? IPOLoss)?.averageLogProbs, true)
    }

    /// `eval --loss ipo --ipo-average-logps` on TRL's parity models: the lengths the evaluator divides by are TRL's
    /// completion token counts, so its loss is TRL's IPO formula on TRL's own per-pair log-probs.
    func testEvalJobAveragedIPOUsesTRLCompletionLengths() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("trl-ipo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
        let data = dir.appendingPathComponent("trl_prefs.jsonl")
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("trl_prefs.jsonl"), to: data)
        let expected = try JSONDecoder().decode(TRLParityTests.Expected.self,
                                                from: Data(contentsOf: fixtures.appendingPathComponent("trl_expected.json")))
        var job = EvalJob(model: fixtures.appendingPathComponent("trl_policy"), reference: fixtures.appendingPathComponent("trl_reference"),
                          data: data)
        job.prompt = GroupPrompt(template: nil)
        job.config.method = "ipo"
        job.config.beta = 0.1
        job.config.ipoAverageLogps = true
        let (metrics, _) = try job.run()
        let trlFormula = expected.pairs.map { p -> Double in
            let h = (p.policy_chosen - p.reference_chosen) / Double(p.chosen_ids.count)
                - (p.policy_rejected - p.reference_rejected) / Double(p.rejected_ids.count)
            return (h - 1 / (2 * 0.1)) * (h - 1 / (2 * 0.1))
        }.reduce(0, +) / Double(expected.pairs.count)
        XCTAssertEqual(try XCTUnwrap(metrics["loss"]), trlFormula, accuracy: 1e-5 * max(1, trlFormula))
    }
}
