import Alignment
@testable import Datasets
@testable import Recipes
import Foundation
import Models
import TestSupport
import Tokenizer
import Training
import XCTest

/// What a newcomer meets on the command line: options checked before any work (one line, exit status 2, no run
/// folder), negative numbers without `=`, `--version`, finished runs not silently replaced, the optimiser
/// options in the manifest, a reference with another tokenizer refused, one-group notes and comma group lists.
final class ArgumentValidationCLITests: XCTestCase {
    var world: TinyWorld!
    override func setUpWithError() throws { world = try TinyWorld() }
    override func tearDown() { world.remove() }

    /// Each bad value is refused by name, on one line, with status 2, before the (missing) model is opened.
    func testBadOptionsAreUsageErrorsBeforeAnyWork() throws {
        let out = world.root.appendingPathComponent("never")
        let align = ["align", "--model", "/nonexistent/model", "--data", "/nonexistent/data.jsonl", "--out", out.path]
        let sft = ["sft", "--model", "/nonexistent/model", "--data", "/nonexistent/data.jsonl", "--out", out.path]
        let cases: [([String], String)] = [
            (align + ["--method", "gr-foo"], "unknown --method gr-foo; losses: cdpo, dpo, hinge, ipo, pl, simpo, optionally prefixed by is- or gr-"),
            (align + ["--beta", "0"], "--beta must be a positive number, got 0.0"),
            (align + ["--beta", "-0.5"], "--beta must be a positive number, got -0.5"),
            (align + ["--batch-size", "0"], "--batch-size must be positive, got 0"),
            (align + ["--steps", "0"], "--steps must be positive, got 0"),
            (align + ["--lr", "-1e-4"], "--lr must be a positive number, got -0.0001"),
            (align + ["--eta-alpha", "-0.01"], "--eta-alpha must be 0 or a positive number, got -0.01"),
            (align + ["--chi", "1.5"], "--chi must lie in [0.0, 1.0], got 1.5"),
            (align + ["--chi", "-0.1"], "--chi must lie in [0.0, 1.0], got -0.1"),
            (align + ["--adam-betas", "0.9,1.2"], "--adam-betas: β₂ must lie in [0, 1), got 1.2"),
            (align + ["--lr", "1e-3", "--min-lr", "1e-2"], "--min-lr 0.01 must not exceed the peak --lr 0.001"),
            (align + ["--truncation-mode", "middle"], "--truncation-mode must be keep_start or keep_end, got middle"),
            (align + ["--max-prompt-length", "0"], "--max-prompt-length must be positive, got 0"),
            (align + ["--grad-clip", "-1"], "--grad-clip must be 0 or a positive number, got -1.0"),
            (sft + ["--log-every", "0"], "--log-every must be positive, got 0"),
            (sft + ["--weight-decay", "-0.1"], "--weight-decay must be 0 or a positive number, got -0.1"),
            (["rank", "--model", "/x", "--data", "/y", "--out", out.path, "--method", "dpo"], "unknown --method dpo; rank takes pl, is-pl or gr-pl"),
            (["em-dpo", "--out", out.path, "--types", "0"], "--types must be positive, got 0"),
            (["pretrain", "--data", "/x", "--tokenizer", "/y", "--out", out.path, "--lr", "-1"], "--lr must be a positive number, got -1.0"),
        ]
        for (args, expected) in cases {
            let r = try TinyAlignBinary.run(args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.err)")
            XCTAssertEqual(r.err, "Error: \(expected)\n", "\(args)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "\(args) left a run folder")
        }
    }

    func testVersion() throws {
        let r = try TinyAlignBinary.run(["--version"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.out, TinyAlignVersion.current + "\n")
    }

    /// A finished run is refused without --overwrite; --overwrite trains again; the optimiser options reach the
    /// manifest and --log-every thins the training lines.
    func testFinishedRunIsNotReplacedSilentlyAndOptimiserOptionsReachTheManifest() throws {
        let out = world.root.appendingPathComponent("sft")
        let args = ["sft", "--model", world.base.path, "--data", world.data.path, "--out", out.path, "--steps", "4",
                    "--batch-size", "4", "--warmup-steps", "2", "--weight-decay", "0.05", "--grad-clip", "0.5", "--lr", "2e-3",
                    "--min-lr", "1e-4", "--adam-betas", "0.8,0.99", "--log-every", "2"]
        let first = try TinyAlignBinary.run(args)
        XCTAssertEqual(first.status, 0, first.err)
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("run_config.json"))) as? [String: Any])
        let training = try XCTUnwrap(manifest["training"] as? [String: Any])
        XCTAssertEqual(training["warmup_steps"] as? Int, 2)
        XCTAssertEqual(try XCTUnwrap(training["weight_decay"] as? Double), 0.05, accuracy: 1e-7)
        XCTAssertEqual(try XCTUnwrap(training["grad_clip"] as? Double), 0.5, accuracy: 1e-7)
        XCTAssertEqual(try XCTUnwrap(training["lr"] as? Double), 2e-3, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(training["min_lr"] as? Double), 1e-4, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(training["adam_beta1"] as? Double), 0.8, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(training["adam_beta2"] as? Double), 0.99, accuracy: 1e-12)
        XCTAssertEqual(training["log_every"] as? Int, 2)
        let lines = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(lines.filter { $0["split"] as? String == "train" }.compactMap { $0["step"] as? Int }, [2, 4])
        // The run reports what it truncated and dropped.
        XCTAssertTrue(first.err.contains("0 truncated (prompt cut, keep_end), 0 dropped (too long)"), first.err)

        let again = try TinyAlignBinary.run(args)
        XCTAssertEqual(again.status, 2, again.err)
        XCTAssertEqual(again.err, "Error: \(out.path) already holds a finished run (final/config.json); pass --overwrite to replace it, --resume to keep it, or choose another --out\n")
        let overwritten = try TinyAlignBinary.run(args + ["--overwrite"])
        XCTAssertEqual(overwritten.status, 0, overwritten.err)
        let resumed = try TinyAlignBinary.run(args + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
    }

    /// A reference model with another tokenizer is refused by its fingerprint; a comma group list selects
    /// groups; a gr- method on one group says it reduces to the base loss.
    func testReferenceTokenizerGroupListAndOneGroupNote() throws {
        let other = world.root.appendingPathComponent("other")
        let tokenizer = try BPETrainer(vocabSize: 290, specialTokens: ["<|endoftext|>", "<|pad|>"]).train(texts: ["Is item good? A B yes no"])
        let config = GPTConfig(vocabSize: tokenizer.vocabularySize, nPositions: 64, nEmbd: 32, nLayer: 2, nHead: 2,
                               eosTokenId: tokenizer.id(for: "<|endoftext|>")!)
        try Checkpoint.save(try GPT(config, seed: 2), to: other, extraFiles: ["tokenizer.json": Data(tokenizer.tokenizerJSONString().utf8)])
        let refused = try TinyAlignBinary.run(["align", "--model", world.base.path, "--reference", other.path, "--data", world.data.path,
                                               "--out", world.root.appendingPathComponent("r").path, "--steps", "1"])
        XCTAssertEqual(refused.status, 1, refused.err)
        XCTAssertTrue(refused.err.contains("--reference \(other.path): its tokenizer files differ from the policy's"), refused.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: world.root.appendingPathComponent("r").path))

        // The same folder as a separate reference is accepted and recorded.
        let twoGroups = world.root.appendingPathComponent("two")
        let ok = try TinyAlignBinary.run(["align", "--model", world.base.path, "--reference", world.base.path, "--data", world.data.path,
                                          "--out", twoGroups.path, "--steps", "1", "--batch-size", "2", "--groups", "north, east",
                                          "--method", "gr-dpo"])
        XCTAssertEqual(ok.status, 0, ok.err)
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: twoGroups.appendingPathComponent("run_config.json"))) as? [String: Any])
        XCTAssertEqual(manifest["groups"] as? [String], ["north", "east"])
        let settings = try XCTUnwrap(manifest["settings"] as? [String: Any])
        XCTAssertNotNil(settings["reference"] as? [String: Any])
        XCTAssertEqual((settings["truncation"] as? [String: Any])?["truncation_mode"] as? String, "keep_end")
        XCTAssertFalse(ok.err.contains("reduces to"), ok.err)

        let one = try TinyAlignBinary.run(["align", "--model", world.base.path, "--data", world.data.path, "--groups", "south",
                                           "--out", world.root.appendingPathComponent("one").path, "--steps", "1", "--batch-size", "2",
                                           "--method", "is-dpo"])
        XCTAssertEqual(one.status, 0, one.err)
        XCTAssertTrue(one.err.contains("note: the data has one group, so is-dpo weights every pair alike and reduces to dpo"), one.err)

        // rank says the same for rankings of one group.
        let southOnly = try String(contentsOf: world.data, encoding: .utf8).split(separator: "\n").filter { line in
            ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])?["group"] as? String == "south"
        }
        XCTAssertFalse(southOnly.isEmpty)
        let southData = world.root.appendingPathComponent("south.jsonl")
        try Data((southOnly.joined(separator: "\n") + "\n").utf8).write(to: southData)
        let ranked = try TinyAlignBinary.run(["rank", "--method", "gr-pl", "--model", world.base.path, "--data", southData.path,
                                              "--out", world.root.appendingPathComponent("rank-one").path, "--steps", "1", "--batch-size", "2"])
        XCTAssertEqual(ranked.status, 0, ranked.err)
        XCTAssertTrue(ranked.err.contains("note: the data has one group, so gr-pl weights every ranking alike and reduces to pl"), ranked.err)
    }

    /// `em-dpo` (like `demo`) defaults to `checkpoints/survey-base`; run from a folder without it, the binary finds
    /// the repository's copy relative to its own location.
    func testDefaultCheckpointIsFoundFromAnotherFolder() throws {
        let data = world.root.appendingPathComponent("annotators.jsonl")
        var lines = ""
        for i in 0..<4 {
            lines += "{\"prompt\":\"Is item \(i) good?\\nAnswer:\",\"chosen\":\" A\",\"rejected\":\" B\",\"annotator\":\"a\(i % 2)\"}\n"
        }
        try Data(lines.utf8).write(to: data)
        let out = world.root.appendingPathComponent("em")
        let p = Process()
        p.executableURL = TinyAlignBinary.url
        p.arguments = ["em-dpo", "--data", data.path, "--out", out.path, "--types", "1", "--rounds", "1", "--steps-per-round", "1",
                       "--batch-size", "2"]
        p.currentDirectoryURL = world.root
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, message)
        let manifest = try RunManifest<AnySettings>.read(out.appendingPathComponent("run_config.json"))
        let expected = TinyAlignBinary.url.resolvingSymlinksInPath().path.components(separatedBy: "/.build/")[0] + "/checkpoints/survey-base"
        XCTAssertEqual(manifest.model.map { URL(fileURLWithPath: $0.path).standardizedFileURL.path }, expected)
    }
}
