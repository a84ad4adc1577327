import Autograd
import Foundation
import TensorCore
import Training
import XCTest

/// The driver follows a task's learning-rate scale at every step and stops when the task asks after an evaluation,
/// writing the checkpoint and `final` of that step; a resume of the stopped run takes no step.
final class EarlyStopDriverTests: XCTestCase {
    final class Watching: TrainingTask {
        let model: VectorModel
        var losses: [Double]
        var schedule: PlateauSchedule
        init(_ model: VectorModel, losses: [Double], schedule: PlateauSchedule) {
            self.model = model; self.losses = losses; self.schedule = schedule
        }
        var exampleCount: Int? { 1 }
        func objective(batch: [Int], rng: inout SeededGenerator) throws -> Variable { try (model.w * model.w).sum() }
        func trainMetrics(objective: Float) -> [String: Double] { ["loss": Double(objective)] }
        func evaluate() throws -> [String: Double] {
            let v = losses.isEmpty ? 1 : losses.removeFirst()
            _ = schedule.observe(v)
            return ["eval_loss": v]
        }
        var learningRateScale: Float { schedule.scale }
        var stopRequested: Bool { schedule.earlyStoppingPatience > 0 && schedule.sinceBest >= schedule.earlyStoppingPatience }
        func checkpointState() throws -> Data? { try JSONEncoder().encode(schedule) }
        func restore(checkpointState: Data?) throws { schedule = try JSONDecoder().decode(PlateauSchedule.self, from: checkpointState!) }
    }

    func testPlateauCutsTheRateAndEarlyStoppingEndsTheRun() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-stop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var p = PlateauSettings()
        p.patience = 0
        p.factor = 0.5
        let settings = TrainingSettings(steps: 20, batchSize: 1, lr: 0.1, minLR: 0.1, warmupSteps: 0, gradClip: 0, evalEvery: 2)
        let manifest = RunManifest(task: "watching", training: settings, settings: settings)
        // evals at steps 2, 4, 6, 8, 10: best at 2, then 4 (cut to 0.5), 6 improves, 8 (cut to 0.25), 10 -> stop
        let task = Watching(VectorModel([1]), losses: [0.9, 0.95, 0.8, 0.85, 0.82], schedule: PlateauSchedule(plateau: p, earlyStoppingPatience: 2))
        let outcome = try TrainingDriver(model: VectorModel([1]), task: task, manifest: manifest, out: dir).run()
        XCTAssertTrue(outcome.stoppedEarly)
        XCTAssertTrue(outcome.finished)
        XCTAssertEqual(outcome.step, 10)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("final").path))
        let lines = try MetricsLog.read(dir.appendingPathComponent("metrics.jsonl")).filter { ($0["split"] as? String) == "train" }
        let lrs = lines.map { ($0["lr"] as! NSNumber).doubleValue }
        XCTAssertEqual(lrs.count, 10)
        for (i, lr) in lrs.enumerated() {
            let expected = i < 4 ? 0.1 : i < 8 ? 0.05 : 0.025          // the cut after step 4's eval applies from step 5
            XCTAssertEqual(lr, expected, accuracy: 1e-7, "step \(i + 1)")
        }
        let resumedTask = Watching(VectorModel([1]), losses: [], schedule: PlateauSchedule(plateau: p, earlyStoppingPatience: 2))
        let again = try TrainingDriver(model: VectorModel([1]), task: resumedTask, manifest: manifest, out: dir, resume: true).run()
        XCTAssertEqual(again.step, 10, "a stopped run stays stopped")
        XCTAssertTrue(again.stoppedEarly)
    }
}
