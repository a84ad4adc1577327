import Alignment
@testable import Datasets
@testable import Recipes
import Foundation
import TestSupport
import XCTest

/// `eval` and `em-dpo` say how many examples `--max-length` / `--max-prompt-length` truncated or dropped, as
/// `sft`, `align` and `rank` do; `eval` on a run folder uses the run's own length budget unless one is given.
final class TruncationCountsCLITests: XCTestCase {
    var world: TinyWorld!
    override func setUpWithError() throws { world = try TinyWorld() }
    override func tearDown() { world.remove() }

    let short = "Is item 1 good?"
    let long = "Is item 2 good? Is item 3 good? Is item 4 good? Is item 5 good?"

    /// Four short and two long prompts (pairs with an annotator each, so em-dpo reads them too) and the token count of
    /// the longest short and the shortest long prompt as `render` shows them to the model.
    func data(render: (String, String) -> String) throws -> (url: URL, between: Int) {
        var examples: [PreferenceExample] = []
        for i in 0..<6 {
            let g = i % 2 == 0 ? "north" : "south"
            var e = PreferenceExample(prompt: i < 4 ? short : long, chosen: " A", rejected: " B", group: g, id: "p\(i)")
            e.annotator = "u\(i % 3)"
            examples.append(e)
        }
        let url = world.root.appendingPathComponent("mixed-\(UUID().uuidString).jsonl")
        try PreferenceExample.save(examples, to: url)
        let tokenizer = try ModelBundle(world.base).tokenizer
        let shortLen = ["north", "south"].map { tokenizer.encode(render(short, $0)).count }.max()!
        let longLen = ["north", "south"].map { tokenizer.encode(render(long, $0)).count }.min()!
        XCTAssertLessThan(shortLen + 6, longLen, "the long prompt is clearly longer (the cut point may differ by a token)")
        XCTAssertLessThan(longLen + 3, 64, "and fits the tiny model's context")
        return (url, (shortLen + longLen) / 2)
    }

    func json(_ text: String) throws -> [String: Double] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Double])
    }

    func testEvalCountsTruncatedAndDroppedPairsAndUsesTheRunsBudget() throws {
        let (data, limit) = try data { GroupPrompt().render(prompt: $0, group: $1) }
        let common = ["eval", "--model", world.base.path, "--reference", world.base.path, "--data", data.path, "--split", "all", "--json"]
        let cut = try TinyAlignBinary.run(common + ["--max-prompt-length", "\(limit)"])
        XCTAssertEqual(cut.status, 0, cut.err)
        XCTAssertTrue(cut.err.contains("2 truncated (prompt cut, keep_end; max length 1024, max prompt length \(limit)), 0 dropped (too long)"), cut.err)
        var m = try json(cut.out)
        XCTAssertEqual(m["truncated"], 2)
        XCTAssertEqual(m["dropped"], 0)
        XCTAssertEqual(m["pairs"], 6)

        let dropped = try TinyAlignBinary.run(common + ["--max-prompt-length", "\(limit)", "--drop-long"])
        XCTAssertEqual(dropped.status, 0, dropped.err)
        XCTAssertTrue(dropped.err.contains("0 truncated (prompt cut, keep_end; max length 1024, max prompt length \(limit)), 2 dropped (too long)"), dropped.err)
        m = try json(dropped.out)
        XCTAssertEqual(m["pairs"], 4)
        XCTAssertEqual(m["dropped"], 2)

        let whole = try TinyAlignBinary.run(common)
        XCTAssertEqual(whole.status, 0, whole.err)
        XCTAssertTrue(whole.err.contains("0 truncated (prompt cut, keep_end; max length 1024, max prompt length 512), 0 dropped (too long)"), whole.err)

        // An align run trained with a short prompt budget: eval on its folder uses that budget unless told otherwise.
        let run = world.root.appendingPathComponent("aligned")
        let align = try TinyAlignBinary.run(["align", "--model", world.base.path, "--data", data.path, "--out", run.path, "--steps", "1",
                                             "--batch-size", "2", "--max-prompt-length", "\(limit)", "--truncation-mode", "keep_start"])
        XCTAssertEqual(align.status, 0, align.err)
        let recorded = try TinyAlignBinary.run(["eval", "--model", run.appendingPathComponent("final").path, "--data", data.path,
                                                "--split", "all", "--json"])
        XCTAssertEqual(recorded.status, 0, recorded.err)
        XCTAssertTrue(recorded.err.contains("2 truncated (prompt cut, keep_start; max length 1024, max prompt length \(limit)), 0 dropped (too long)"), recorded.err)
        XCTAssertEqual(try json(recorded.out)["truncated"], 2)
        let overridden = try TinyAlignBinary.run(["eval", "--model", run.appendingPathComponent("final").path, "--data", data.path,
                                                  "--split", "all", "--json", "--max-prompt-length", "512"])
        XCTAssertEqual(try json(overridden.out)["truncated"], 0, overridden.err)
    }

    func testEMDPOCountsTruncatedAndDroppedListsAndRecordsTheBudgetAndSFTWeight() throws {
        // em-dpo shows prompts without a group prefix
        let (data, limit) = try data { prompt, _ in prompt }
        func run(_ name: String, _ extra: [String]) throws -> (err: String, record: [String: Any], settings: [String: Any]) {
            let out = world.root.appendingPathComponent(name)
            let r = try TinyAlignBinary.run(["em-dpo", "--model", world.base.path, "--data", data.path, "--out", out.path, "--types", "2",
                                             "--rounds", "1", "--steps-per-round", "1", "--batch-size", "2", "--max-prompt-length", "\(limit)"] + extra)
            XCTAssertEqual(r.status, 0, r.err)
            let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("em.json"))) as? [String: Any])
            let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("run_config.json"))) as? [String: Any])
            return (r.err, record, try XCTUnwrap(manifest["settings"] as? [String: Any]))
        }
        let cut = try run("em-cut", ["--sft-weight", "0.5"])
        XCTAssertTrue(cut.err.contains("data: 6 lists from 3 annotators; 2 truncated (prompt cut, keep_end), 0 dropped (too long)"), cut.err)
        XCTAssertEqual(cut.record["truncated"] as? Int, 2)
        XCTAssertEqual(cut.record["dropped"] as? Int, 0)
        XCTAssertEqual(cut.record["sft_weight"] as? Double, 0.5)
        XCTAssertEqual(cut.settings["sft_weight"] as? Double, 0.5)
        XCTAssertEqual((cut.settings["truncation"] as? [String: Any])?["max_prompt_length"] as? Int, limit)

        let dropped = try run("em-drop", ["--drop-long"])
        XCTAssertTrue(dropped.err.contains("data: 4 lists from 3 annotators; 0 truncated (prompt cut, keep_end), 2 dropped (too long)"), dropped.err)
        XCTAssertEqual(dropped.record["lists"] as? Int, 4)
        XCTAssertEqual(dropped.record["dropped"] as? Int, 2)
        XCTAssertEqual(dropped.record["sft_weight"] as? Double, 0)
    }
}
