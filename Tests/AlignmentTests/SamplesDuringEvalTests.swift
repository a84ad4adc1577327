import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import TestSupport
import Foundation
import Models
import Tokenizer
import Training
import XCTest

/// Greedy answers during evaluation (TRL's generate_during_eval) and generated text that never ends in a broken
/// character or runs past the end of a turn.
final class SamplesDuringEvalTests: XCTestCase {
    /// A byte-level BPE without merges: `é` is two tokens, so stopping after the first leaves half a character.
    func testIncompleteUTF8TailIsHeldBackAndGenerationStopsAtEndOfTurn() throws {
        let tokenizer = try BPETrainer(vocabSize: 259, specialTokens: ["<|endoftext|>", "<|im_end|>"]).train(texts: ["ab"])
        let eos = Int32(tokenizer.id(for: "<|endoftext|>")!)
        let endOfTurn = Int32(tokenizer.id(for: "<|im_end|>")!)
        let stops = GeneratedText.stopIds(tokenizer: tokenizer, eos: eos)
        XCTAssertEqual(stops, [eos, endOfTurn])
        let ab = tokenizer.encode("ab").map(Int32.init), e = tokenizer.encode("é").map(Int32.init)
        XCTAssertEqual(e.count, 2)
        XCTAssertTrue(try tokenizer.decode((ab + [e[0]]).map(Int.init)).hasSuffix("\u{FFFD}"), "the raw decode shows the broken byte")
        XCTAssertEqual(try GeneratedText.text(ab + [e[0]], tokenizer: tokenizer, stops: stops), "ab")
        XCTAssertEqual(try GeneratedText.text(ab + e, tokenizer: tokenizer, stops: stops), "abé")
        // Only the generated part, cut at the end of the turn; with the prompt in front for `generate`.
        XCTAssertEqual(try GeneratedText.text(ab + e + [endOfTurn] + ab, from: ab.count, tokenizer: tokenizer, stops: stops), "é")
        XCTAssertEqual(try GeneratedText.text(ab + e + [eos] + ab, from: ab.count, includePrompt: true, tokenizer: tokenizer, stops: stops), "abé")
    }

    func testAnswerMatching() {
        XCTAssertTrue(EvalSamples.answers(" A", " A"))
        XCTAssertTrue(EvalSamples.answers(" A. Agree", " A"))
        XCTAssertFalse(EvalSamples.answers(" Apple", " A"))
        XCTAssertFalse(EvalSamples.answers("", " A"))
        XCTAssertFalse(EvalSamples.answers(" B", " A"))
    }

    /// Every evaluation writes the greedy answers of a few held-out prompts per group; the last ones are exactly
    /// what the saved final model answers, and the eval lines carry the per-group greedy-chosen share.
    func testAlignWritesSamplesAtEveryEvaluation() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        var config = AlignConfig()
        config.method = "gr-dpo"
        config.steps = 4
        config.batchSize = 4
        config.evalEvery = 2
        let out = world.root.appendingPathComponent("align")
        var job = AlignJob(model: world.base, data: world.data, out: out, config: config)
        job.showProgress = false
        try job.run(log: { _ in })
        let samples = try MetricsLog.read(out.appendingPathComponent("samples.jsonl"))
        XCTAssertEqual(Set(samples.compactMap { $0["step"] as? Int }), [2, 4])
        let groups = Set(samples.compactMap { $0["group"] as? String })
        XCTAssertEqual(groups, ["east", "north", "south"])
        for g in groups {
            XCTAssertLessThanOrEqual(samples.filter { $0["group"] as? String == g && $0["step"] as? Int == 4 }.count, EvalSamples.samplesPerGroup)
        }
        let final = try ModelBundle(out.appendingPathComponent("final"))
        for line in samples where line["step"] as? Int == 4 {
            let prompt = GroupPrompt().render(prompt: line["prompt"] as! String, group: line["group"] as! String)
            let seq = try XCTUnwrap(final.encoder().encode(prompt: prompt, response: line["chosen"] as! String))
            let answer = try GeneratedText.greedy(model: final.model, tokenizer: final.tokenizer, eos: final.eos,
                                                  prompt: Array(seq.ids[..<seq.responseStart]), maxNewTokens: EvalSamples.maxNewTokens)
            XCTAssertEqual(line["answer"] as? String, answer)
            XCTAssertEqual(line["answers_chosen"] as? Bool, EvalSamples.answers(answer, line["chosen"] as! String))
        }
        let evalLines = try MetricsLog.read(out.appendingPathComponent("metrics.jsonl")).filter { $0["split"] as? String == "eval" }
        XCTAssertEqual(evalLines.count, 2)
        for line in evalLines {
            let shares = ["east", "north", "south"].map { line["group/\($0)/greedy/chosen"] as? Double }
            XCTAssertFalse(shares.contains(nil), "\(line)")
            for s in shares.compactMap({ $0 }) { XCTAssertTrue((0...1).contains(s)) }
            XCTAssertEqual(line["worst_group/greedy/chosen"] as? Double, shares.compactMap { $0 }.min())
        }

        // `eval --split validation` scores the run's own validation pairs: the counts of align's split, and the
        // numbers of the last eval line (the same model, pairs and reference).
        let split = GroupSplit.split(try PreferenceExample.load(world.data), seed: 0)
        let ev = try TinyAlignBinary.run(["eval", "--model", out.appendingPathComponent("final").path, "--data", world.data.path,
                                          "--split", "validation", "--json"])
        XCTAssertEqual(ev.status, 0, ev.err)
        let counts = ["east", "north", "south"].map { g in split.validation.filter { $0.group == g }.count }
        XCTAssertTrue(ev.err.contains("split: validation (seed 0); \(split.validation.count) pairs; per group: east \(counts[0]), north \(counts[1]), south \(counts[2])"), ev.err)
        let scored = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(ev.out.utf8)) as? [String: Double])
        let last = try XCTUnwrap(evalLines.last)
        for key in ["loss", "rewards/accuracies", "logps/chosen", "group/east/loss", "worst_group/loss"] {
            XCTAssertEqual(try XCTUnwrap(scored[key], key), try XCTUnwrap(last[key] as? Double, key), accuracy: 1e-5, key)
        }
        XCTAssertEqual(scored["group/east/pairs"], Double(counts[0]))
        XCTAssertEqual(last["group/east/pairs"] as? Double, Double(counts[0]))
        let bad = try TinyAlignBinary.run(["eval", "--model", out.appendingPathComponent("final").path, "--data", world.data.path, "--split", "dev"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.err, "Error: --split must be one of train, validation, test, all, got dev\n")

        // The report labels its splits and pair counts and shows the log-probs and the samples.
        let html = ReportBuilder.html(runs: [try RunData.load(out)])
        for needle in ["Worst-group eval loss over training (validation split)", "Final per-group metrics (test split)",
                       "Pairs per group (validation split): east \(counts[0]), north \(counts[1]), south \(counts[2]).",
                       "data-metric=\"logps\"", "data-metric=\"greedy-chosen\"", "Samples at step 4 (validation prompts, greedy)",
                       "<th>logps/chosen</th>"] {
            XCTAssertTrue(html.contains(needle), needle)
        }
    }
}
