import Autograd
import Foundation
import Models
import TensorCore
import Training
import XCTest

/// A run killed at any step of any checkpoint (or final) swap resumes to the same final weights, byte for byte,
/// as an uninterrupted run, and leaves no staging or old folder behind. The kill is simulated by
/// `AtomicFolder.crashHook`, which stops the write exactly where a SIGKILL would leave the disk.
final class CrashConsistencyTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-crash-\(UUID().uuidString)") }
    override func tearDown() {
        AtomicFolder.crashHook = nil
        try? FileManager.default.removeItem(at: dir)
    }

    func manifest() -> RunManifest<TrainingSettings> {
        var s = TrainingSettings(steps: 8, batchSize: 2, lr: 0.05, minLR: 0.01, warmupSteps: 2, gradClip: 0, evalEvery: 0)
        s.checkpointEvery = 2
        return RunManifest(task: "least-squares", training: s, settings: s)
    }

    func driver(_ out: URL, resume: Bool) throws -> (TrainingDriver, VectorModel) {
        let model = VectorModel([0.5, -0.25, 1])
        let task = LeastSquaresTask(model: model, targets: [[0, -1, 2], [2, -3, 1], [1, 1, 1]])
        return (try TrainingDriver(model: model, task: task, manifest: manifest(), out: out, resume: resume), model)
    }

    func testEveryInterruptedSwapResumesBitIdentically() throws {
        let full = dir.appendingPathComponent("full")
        var events: [(String, AtomicFolder.Step)] = []
        AtomicFolder.crashHook = { url, step in events.append((url.lastPathComponent, step)); return false }
        try driver(full, resume: false).0.run()
        AtomicFolder.crashHook = nil
        let expected = try Data(contentsOf: full.appendingPathComponent("final/w.safetensors"))
        // 4 checkpoints (the first has no old folder to move away) and the final folder.
        XCTAssertEqual(events.count, 1 + 3 * 3 + 1)
        XCTAssertEqual(events.filter { $0.1 == .oldMovedAway }.count, 3)

        for kill in events.indices {
            let out = dir.appendingPathComponent("kill-\(kill)")
            var seen = 0
            AtomicFolder.crashHook = { _, _ in defer { seen += 1 }; return seen == kill }
            XCTAssertThrowsError(try driver(out, resume: false).0.run()) { e in
                XCTAssertTrue(e is AtomicFolder.SimulatedCrash, "\(e)")
            }
            AtomicFolder.crashHook = nil
            if events[kill].1 == .oldMovedAway {
                // The swap window: no checkpoint folder, both complete ones beside it.
                XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent(events[kill].0).path))
            }
            let (resumed, _) = try driver(out, resume: true)
            try resumed.run()
            let got = try Data(contentsOf: out.appendingPathComponent("final/w.safetensors"))
            XCTAssertEqual(got, expected, "kill at event \(kill) (\(events[kill].0), \(events[kill].1))")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted(),
                           [".lock", "checkpoint", "final", "metrics.jsonl", "run_config.json"], "kill at event \(kill)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("checkpoint/.complete").path))
        }
    }

    /// Recovery picks the staged (newer) folder over the old one and deletes both leftovers.
    func testRecoverPrefersTheCompleteStagingFolder() throws {
        let fm = FileManager.default
        let target = dir.appendingPathComponent("checkpoint")
        for (name, content, marked) in [(".checkpoint.old-11", "old", false), (".checkpoint.tmp-11", "new", true),
                                        (".checkpoint.tmp-12", "partial", false)] {
            let f = dir.appendingPathComponent(name)
            try fm.createDirectory(at: f, withIntermediateDirectories: true)
            try Data(content.utf8).write(to: f.appendingPathComponent("x"))
            if marked { try Data().write(to: f.appendingPathComponent(AtomicFolder.completeMarker)) }
        }
        XCTAssertTrue(try AtomicFolder.recover(target))
        XCTAssertEqual(try String(contentsOf: target.appendingPathComponent("x"), encoding: .utf8), "new")
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: dir.path), ["checkpoint"])
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: target.path), ["x"])
    }
}
