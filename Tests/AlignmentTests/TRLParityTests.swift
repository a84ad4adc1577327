import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Autograd
import Foundation
import Tokenizer
import XCTest

/// TinyAlign's DPO numbers against TRL 1.16's `DPOTrainer.evaluate` (beta 0.1, loss_type "sigmoid") on the same
/// policy, reference, tokenizer and pairs (fixture made by Fixtures/make_trl_fixture.py).
///
/// Tokenisation: TRL appends the EOS *text* to each response and cuts the completion at the common prefix of
/// ids(prompt) and ids(prompt + response), taking the shorter cut of chosen and rejected; TinyAlign drops
/// ids(prompt).count tokens from ids(prompt + response) per sequence and appends the EOS id. The two agree whenever
/// the prompt ends on a token boundary, which the fixture's data does (every response starts with a space after
/// "?"); they differ when BPE merges across the prompt/response boundary. Truncation also differs (TRL's
/// `keep_start` cuts the end of the response, TinyAlign cuts the prompt), so every fixture sequence fits in 32 tokens.
///
/// Tolerance: 1e-4 relative on every value (plus 1e-7 absolute, below Float32 resolution of the log-probs).
final class TRLParityTests: XCTestCase {
    struct Expected: Decodable {
        struct Pair: Decodable {
            var prompt_ids: [Int32], chosen_ids: [Int32], rejected_ids: [Int32]
            var policy_chosen: Double, policy_rejected: Double, reference_chosen: Double, reference_rejected: Double
        }
        var beta: Float
        var eos_id: Int32
        var metrics: [String: Double]
        var pairs: [Pair]
    }

    static let rtol = 1e-4, atol = 1e-7

    func fixture(_ name: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(name)
    }

    func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: fixture("trl_expected.json")))
    }

    func assertClose(_ ours: Double, _ trl: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertLessThanOrEqual(abs(ours - trl), Self.atol + Self.rtol * abs(trl), "\(what): ours \(ours) vs TRL \(trl)",
                                 file: file, line: line)
    }

    /// SequenceEncoder gives exactly TRL's prompt / completion ids (EOS included) on the fixture's pairs.
    func testTokenisationMatchesTRL() throws {
        let exp = try expected()
        let bundle = try ModelBundle(fixture("trl_policy"))
        XCTAssertEqual(bundle.eos, exp.eos_id)
        let examples = try PreferenceExample.load(fixture("trl_prefs.jsonl"))
        XCTAssertEqual(examples.count, exp.pairs.count)
        let encoder = bundle.encoder()
        for (e, p) in zip(examples, exp.pairs) {
            let c = try XCTUnwrap(encoder.encode(prompt: e.prompt, response: e.chosen))
            let r = try XCTUnwrap(encoder.encode(prompt: e.prompt, response: e.rejected))
            XCTAssertEqual(c.ids, p.prompt_ids + p.chosen_ids, "chosen of line \(e.line)")
            XCTAssertEqual(r.ids, p.prompt_ids + p.rejected_ids, "rejected of line \(e.line)")
            XCTAssertEqual(c.responseStart, p.prompt_ids.count)
            XCTAssertEqual(r.responseStart, p.prompt_ids.count)
        }
    }

    /// Summed completion log-probs per pair of both models equal TRL's.
    func testPerPairLogProbsMatchTRL() throws {
        let exp = try expected()
        let policy = try ModelBundle(fixture("trl_policy")), reference = try ModelBundle(fixture("trl_reference"))
        let examples = try PreferenceExample.load(fixture("trl_prefs.jsonl"))
        let set = try PreferenceSet(examples: examples, groups: PreferenceSet.groupNames(of: examples, file: "trl_prefs.jsonl"),
                                    encoder: policy.encoder(), prompt: GroupPrompt(template: nil))
        let sequences = set.pairs.map(\.chosen) + set.pairs.map(\.rejected)
        let n = set.pairs.count
        XCTAssertEqual(n, exp.pairs.count)
        for (name, bundle) in [("policy", policy), ("reference", reference)] {
            let lp = try withNoGrad {
                try SequenceLogProbs.compute(model: bundle.model, sequences: sequences, padId: policy.eos).value.scalars
            }
            for (i, p) in exp.pairs.enumerated() {
                let (c, r) = name == "policy" ? (p.policy_chosen, p.policy_rejected) : (p.reference_chosen, p.reference_rejected)
                assertClose(Double(lp[i]), c, "\(name) chosen log-prob of pair \(i)")
                assertClose(Double(lp[n + i]), r, "\(name) rejected log-prob of pair \(i)")
            }
        }
    }

    /// `tinyalign eval`'s overall metrics equal TRL's eval metrics.
    func testEvalJobMetricsMatchTRL() throws {
        let exp = try expected()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("trl-parity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("trl_prefs.jsonl")
        try FileManager.default.copyItem(at: fixture("trl_prefs.jsonl"), to: data)

        var job = EvalJob(model: fixture("trl_policy"), reference: fixture("trl_reference"), data: data)
        job.prompt = GroupPrompt(template: nil)
        job.config.method = "dpo"
        job.config.beta = exp.beta
        let (metrics, groups) = try job.run()
        XCTAssertEqual(groups, ["north", "south"])
        let keys = ["loss", "rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins",
                    "logps/chosen", "logps/rejected"]
        XCTAssertEqual(Set(exp.metrics.keys), Set(keys))
        for k in keys {
            let ours = try XCTUnwrap(metrics[k], "missing metric \(k)")
            assertClose(ours, exp.metrics[k]!, k)
            print(String(format: "TRL parity %-20@ ours %.9f  TRL %.9f  rel.err %.2e", k as NSString, ours,
                         exp.metrics[k]!, abs(ours - exp.metrics[k]!) / max(abs(exp.metrics[k]!), 1e-30)))
        }
    }
}

/// Where a BPE merge crosses the prompt/response boundary, the cut moves back to the common prefix: the
/// response keeps all of its text (TRL's rule), instead of losing the merged characters.
final class BoundaryCutTests: XCTestCase {
    func testMergeAcrossTheBoundaryLosesNoText() throws {
        let tokenizer = try BPETrainer(vocabSize: 300).train(texts: [String(repeating: "Is tea good? tea tea good ", count: 50)])
        let eos = Int32(tokenizer.id(for: "<|endoftext|>")!)
        let encoder = SequenceEncoder(tokenizer: tokenizer, eos: eos, context: 64)
        let seq = try XCTUnwrap(encoder.encode(prompt: "Is te", response: "a good?"))
        let promptText = try tokenizer.decode(seq.ids[..<seq.responseStart].map { Int($0) })
        let responseText = try tokenizer.decode(seq.ids[seq.responseStart...].dropLast().map { Int($0) })
        XCTAssertEqual(promptText + responseText, "Is tea good?")
        XCTAssertTrue("Is te".hasPrefix(promptText), promptText)
        XCTAssertEqual(seq.ids.last, eos)
        XCTAssertFalse(seq.promptCut, "moving the cut back is not truncation")
    }

    /// A prompt too long for the context keeps its start and the whole response, and says so.
    func testTooLongPromptKeepsItsStartAndIsFlagged() throws {
        let tokenizer = try BPETrainer(vocabSize: 270).train(texts: ["abc abc abc"])
        let eos = Int32(tokenizer.id(for: "<|endoftext|>")!)
        let prompt = String(repeating: "x", count: 20)
        let seq = try XCTUnwrap(SequenceEncoder(tokenizer: tokenizer, eos: eos, context: 8).encode(prompt: prompt, response: " y"))
        XCTAssertEqual(seq.ids.count, 8)
        XCTAssertTrue(seq.promptCut)
        XCTAssertEqual(try tokenizer.decode(seq.ids[seq.responseStart...].dropLast().map { Int($0) }), " y")
        XCTAssertTrue(prompt.hasPrefix(try tokenizer.decode(seq.ids[..<seq.responseStart].map { Int($0) })))
        XCTAssertNil(SequenceEncoder(tokenizer: tokenizer, eos: eos, context: 8, truncate: false).encode(prompt: prompt, response: " y"))
    }
}
