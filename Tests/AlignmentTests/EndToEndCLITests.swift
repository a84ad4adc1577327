import Training
import Foundation
import TestSupport
import XCTest

/// Runs the real `tinyalign` binary: sft, then align with each method, then eval, on a tiny model and data.
final class EndToEndCLITests: XCTestCase {
    static var binary: URL { TinyAlignBinary.url }

    @discardableResult
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try TinyAlignBinary.run(args) }

    func assertFiniteMetrics(_ file: URL, file callerFile: StaticString = #filePath, line: UInt = #line) throws {
        let text = try String(contentsOf: file, encoding: .utf8)
        let lines = text.split(separator: "\n")
        XCTAssertFalse(lines.isEmpty, file: callerFile, line: line)
        for l in lines {
            let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any])
            for (k, v) in obj {
                if let d = v as? Double { XCTAssertTrue(d.isFinite, "\(file.lastPathComponent): \(k) = \(d)", file: callerFile, line: line) }
            }
        }
    }

    func testSFTThenEveryMethodThenEval() throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Self.binary.path), "no tinyalign binary at \(Self.binary.path)")
        let world = try TinyWorld()
        defer { world.remove() }
        let sftDir = world.root.appendingPathComponent("sft")
        let sft = try run(["sft", "--model", world.base.path, "--data", world.data.path, "--out", sftDir.path,
                           "--steps", "6", "--batch-size", "4", "--eval-every", "3"])
        XCTAssertEqual(sft.status, 0, sft.err)
        for f in ["final/config.json", "final/model.safetensors", "final/tokenizer.json", "metrics.jsonl", "run_config.json",
                  "checkpoint/optimizer.safetensors", "checkpoint/trainer_state.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: sftDir.appendingPathComponent(f).path), "sft/\(f)")
        }
        try assertFiniteMetrics(sftDir.appendingPathComponent("metrics.jsonl"))

        for method in ["dpo", "ipo", "is-dpo", "is-ipo", "gr-dpo", "gr-ipo", "hinge", "cdpo", "simpo"] {
            let out = world.root.appendingPathComponent("align-\(method)")
            let r = try run(["align", "--method", method, "--model", sftDir.appendingPathComponent("final").path,
                             "--data", world.data.path, "--out", out.path, "--steps", "4", "--batch-size", "4",
                             "--eval-every", "2", "--eta-alpha", "0.5"])
            XCTAssertEqual(r.status, 0, "\(method): \(r.err)")
            XCTAssertTrue(r.out.contains("worst group"), r.out)
            for f in ["final/model.safetensors", "metrics.jsonl", "run_config.json", "eval.json"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(f).path), "\(method)/\(f)")
            }
            try assertFiniteMetrics(out.appendingPathComponent("metrics.jsonl"))
            let eval = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("eval.json"))) as? [String: Any])
            XCTAssertNotNil(eval["worst_group/loss"], method)
            if method.hasPrefix("gr-") {
                let alphas = ["north", "south", "east"].compactMap { eval["alpha/\($0)"] as? Double }
                XCTAssertEqual(alphas.count, 3)
                XCTAssertEqual(alphas.reduce(0, +), 1, accuracy: 1e-5)
            }
        }
        // --epochs sets the step count from the training split: 2 passes over its pairs in batches of 4.
        let epochsOut = world.root.appendingPathComponent("align-epochs")
        let ep = try run(["align", "--model", sftDir.appendingPathComponent("final").path, "--data", world.data.path,
                          "--out", epochsOut.path, "--epochs", "2", "--batch-size", "4"])
        XCTAssertEqual(ep.status, 0, ep.err)
        let cfg = try RunManifest<AnySettings>.read(epochsOut.appendingPathComponent("run_config.json"))
        let trainPairs = try XCTUnwrap(cfg.groupSizes).reduce(0, +)
        XCTAssertEqual(cfg.training.steps, (2 * trainPairs + 3) / 4)

        let ev = try run(["eval", "--model", world.root.appendingPathComponent("align-gr-dpo/final").path, "--data", world.data.path])
        XCTAssertEqual(ev.status, 0, ev.err)
        for row in ["north", "south", "east", "worst group", "average over groups"] { XCTAssertTrue(ev.out.contains(row), ev.out) }
    }

    func testBadInputGivesOneLineErrorsAndNoRunFolder() throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Self.binary.path), "no tinyalign binary at \(Self.binary.path)")
        let world = try TinyWorld()
        defer { world.remove() }
        let bad = world.root.appendingPathComponent("bad.jsonl")
        try Data("{\"prompt\": \"q\", \"chosen\": \"A\", \"rejected\": \"B\", \"group\": \"x\"}\n{not json}\n".utf8).write(to: bad)
        let out = world.root.appendingPathComponent("run")
        let r = try run(["align", "--model", world.base.path, "--data", bad.path, "--out", out.path, "--steps", "1"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("bad.jsonl:2: not valid JSON"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))

        let missing = world.root.appendingPathComponent("missing.jsonl")
        try Data("{\"prompt\": \"q\", \"chosen\": \"A\", \"group\": \"x\"}\n".utf8).write(to: missing)
        let m = try run(["align", "--model", world.base.path, "--data", missing.path, "--out", out.path])
        XCTAssertTrue(m.err.contains("missing.jsonl:1: missing field \"rejected\""), m.err)

        let unknown = try run(["align", "--model", world.base.path, "--data", world.data.path, "--out", out.path,
                               "--groups", "north", "atlantis"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.err.contains("group \"atlantis\" does not occur in the data"), unknown.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }
}
