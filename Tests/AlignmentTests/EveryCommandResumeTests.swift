import Alignment
@testable import Datasets
import Foundation
import Models
import Tokenizer
import TestSupport
import Training
import XCTest

/// Every training command through the real binary: a run killed (SIGKILL) as soon as its first checkpoint is on
/// disk, then resumed with `--resume`, ends with the same final weights, byte for byte, as an uninterrupted run;
/// `tinyalign report` renders each run folder; a resume with a changed setting is refused naming it.
final class EveryCommandResumeTests: XCTestCase {
    var world: TinyWorld!
    var root: URL { world.root }

    override func setUpWithError() throws { world = try TinyWorld() }
    override func tearDown() { world.remove() }

    /// Starts `tinyalign args`, waits until `marker` exists, kills the process; returns whether it was killed
    /// before finishing.
    func runAndKill(_ args: [String], whenExists marker: URL, timeout: TimeInterval = 120) throws -> Bool {
        let p = Process()
        p.executableURL = TinyAlignBinary.url
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let start = Date()
        while p.isRunning && !FileManager.default.fileExists(atPath: marker.path) && Date().timeIntervalSince(start) < timeout {
            usleep(500)
        }
        let killed = p.isRunning
        if killed { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        return killed
    }

    /// Uninterrupted run into `full`, killed-then-resumed run into `split`; compares `final/<file>` bytes and
    /// renders the report of the resumed run.
    func checkKillAndResume(_ args: [String], checkpointFlag: [String] = ["--checkpoint-every", "2"],
                            marker: String = "checkpoint/trainer_state.json", finalFile: String = "final/model.safetensors",
                            file: StaticString = #filePath, line: UInt = #line) throws {
        let name = args[0] + (args.count > 1 && !args[1].hasPrefix("-") ? "-" + args[1] : "")
        let full = root.appendingPathComponent("\(name)-full"), split = root.appendingPathComponent("\(name)-split")
        let a = try TinyAlignBinary.run(args + ["--out", full.path])
        XCTAssertEqual(a.status, 0, a.err, file: file, line: line)
        let killed = try runAndKill(args + ["--out", split.path] + checkpointFlag, whenExists: split.appendingPathComponent(marker))
        XCTAssertTrue(killed, "\(name) finished before the kill; the test needs more steps", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: split.appendingPathComponent("final").path), file: file, line: line)
        let b = try TinyAlignBinary.run(args + ["--out", split.path, "--resume"] + checkpointFlag)
        XCTAssertEqual(b.status, 0, b.err, file: file, line: line)
        let x = try Data(contentsOf: full.appendingPathComponent(finalFile))
        let y = try Data(contentsOf: split.appendingPathComponent(finalFile))
        XCTAssertEqual(x, y, "\(name): resumed final weights differ from the uninterrupted run's", file: file, line: line)
        let r = try TinyAlignBinary.run(["report", split.path])
        XCTAssertEqual(r.status, 0, r.err, file: file, line: line)
        let html = try String(contentsOf: split.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("data-metric=\"training-loss\""), "\(name): the report has no loss chart", file: file, line: line)
    }

    func testPretrain() throws {
        let corpus = root.appendingPathComponent("corpus.txt")
        let text = try PreferenceExample.load(world.data).map { $0.prompt + $0.chosen }.joined(separator: "\n")
        try Data(String(repeating: text + "\n", count: 3).utf8).write(to: corpus)
        try checkKillAndResume(["pretrain", "--data", corpus.path, "--tokenizer", world.base.appendingPathComponent("tokenizer.json").path,
                                "--config", "tiny", "--context", "16", "--steps", "40", "--batch-size", "4", "--eval-every", "10"])
    }

    func testSFT() throws {
        try checkKillAndResume(["sft", "--model", world.base.path, "--data", world.data.path, "--steps", "40", "--batch-size", "4",
                                "--eval-every", "10"])
    }

    func testAlign() throws {
        try checkKillAndResume(["align", "--method", "gr-dpo", "--model", world.base.path, "--data", world.data.path,
                                "--steps", "40", "--batch-size", "4", "--eval-every", "10", "--eta-alpha", "0.5"])
    }

    func testRank() throws {
        try checkKillAndResume(["rank", "--method", "gr-pl", "--model", world.base.path, "--data", world.data.path,
                                "--steps", "40", "--batch-size", "4", "--eta-alpha", "0.5"])
    }

    func testEMDPO() throws {
        // The world's pairs, each given by one of six annotators.
        let annotated = root.appendingPathComponent("annotated.jsonl")
        var examples = try PreferenceExample.load(world.data)
        for i in examples.indices { examples[i].annotator = "u\(i % 6)" }
        try PreferenceExample.save(examples, to: annotated)
        try checkKillAndResume(["em-dpo", "--model", world.base.path, "--data", annotated.path, "--types", "2", "--rounds", "2",
                                "--steps-per-round", "24", "--batch-size", "4", "--lr", "1e-3"],
                               checkpointFlag: [], marker: "m-step/type-1/checkpoint/trainer_state.json",
                               finalFile: "policy-1/model.safetensors")
    }

    func testGPOTrain() throws {
        let survey = try SurveySynthesizer(groups: SurveySynthesizer.groupNames(count: 5), questions: 30, seed: 3).generate()
        let surveyURL = root.appendingPathComponent("survey.json")
        try survey.save(to: surveyURL)
        try checkKillAndResume(["gpo", "train", "--survey", surveyURL.path, "--model", world.base.path, "--steps", "60",
                                "--context-questions", "5", "--d-model", "16", "--layers", "1", "--heads", "2",
                                "--train-groups", survey.groups.prefix(3).joined(separator: ",")])
    }

    /// A resume whose settings differ from the checkpoint's is refused, naming the setting; nothing changes.
    func testResumeWithChangedSettingsIsRefusedNamingTheSetting() throws {
        let out = root.appendingPathComponent("run")
        let args = ["align", "--method", "dpo", "--model", world.base.path, "--data", world.data.path, "--steps", "3",
                    "--batch-size", "4", "--out", out.path]
        XCTAssertEqual(try TinyAlignBinary.run(args).status, 0)
        let before = try Data(contentsOf: out.appendingPathComponent("checkpoint/model.safetensors"))
        let lr = try TinyAlignBinary.run(args + ["--resume", "--lr", "0.05"])
        XCTAssertNotEqual(lr.status, 0)
        // The data summary comes first; the refusal is one line of its own.
        let refusal = lr.err.split(separator: "\n").filter { $0.contains("cannot resume") }
        XCTAssertEqual(refusal.count, 1, lr.err)
        XCTAssertTrue(refusal.first?.contains("training.lr = 0.0001, this run has 0.05") ?? false, lr.err)
        var changed = args
        changed[2] = "gr-dpo"
        let method = try TinyAlignBinary.run(changed + ["--resume"])
        XCTAssertNotEqual(method.status, 0)
        XCTAssertTrue(method.err.contains("method = dpo, this run has gr-dpo"), method.err)
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("checkpoint/model.safetensors")), before)
    }
}
