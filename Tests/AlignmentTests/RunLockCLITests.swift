@testable import Datasets
import Foundation
import TestSupport
import XCTest

/// Two processes of the real binary into one `--out`: the second is refused naming the first's PID, and once
/// the first is gone (killed, so the kernel dropped its lock) the folder can be resumed.
final class RunLockCLITests: XCTestCase {
    var world: TinyWorld!
    override func setUpWithError() throws { world = try TinyWorld() }
    override func tearDown() { world.remove() }

    func testSecondRunIntoTheSameFolderIsRefused() throws {
        let corpus = world.root.appendingPathComponent("corpus.txt")
        let text = try PreferenceExample.load(world.data).map { $0.prompt + $0.chosen }.joined(separator: "\n")
        try Data(String(repeating: text + "\n", count: 3).utf8).write(to: corpus)
        let out = world.root.appendingPathComponent("locked")
        let args = ["pretrain", "--data", corpus.path, "--tokenizer", world.base.appendingPathComponent("tokenizer.json").path,
                    "--config", "tiny", "--context", "16", "--steps", "100000", "--batch-size", "4", "--checkpoint-every", "1",
                    "--out", out.path]
        let first = Process()
        first.executableURL = TinyAlignBinary.url
        first.arguments = args
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL); first.waitUntilExit() } }
        let start = Date()
        let marker = out.appendingPathComponent("checkpoint/trainer_state.json")
        while first.isRunning && !FileManager.default.fileExists(atPath: marker.path) && Date().timeIntervalSince(start) < 120 { usleep(2000) }
        XCTAssertTrue(first.isRunning)
        let second = try TinyAlignBinary.run(args + ["--resume"])
        XCTAssertNotEqual(second.status, 0)
        XCTAssertTrue(second.err.contains("\(out.path) is in use by another run (PID \(first.processIdentifier))"), second.err)
        XCTAssertEqual(second.err.split(separator: "\n").count, 1, second.err)
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        // The kernel released the lock with the process: the same folder is no longer "in use" (this resume is
        // refused for its changed --steps instead, which is checked after the lock).
        let third = try TinyAlignBinary.run(args.map { $0 == "100000" ? "3" : $0 } + ["--resume"])
        XCTAssertNotEqual(third.status, 0)
        XCTAssertFalse(third.err.contains("in use"), third.err)
        XCTAssertTrue(third.err.contains("steps"), third.err)
        let lines = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertFalse(lines.isEmpty)
        for line in lines { XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(line.utf8)), String(line)) }
    }
}
