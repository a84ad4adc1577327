import Autograd
import Foundation
import TensorCore
import Training
import XCTest

/// A run whose held-out loss explodes or stops being finite ends with an error (non-zero exit) and keeps the
/// last good checkpoint.
final class DivergedEvalTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-eval-\(UUID().uuidString)") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// Least squares whose "held-out loss" is scripted per evaluation.
    final class ScriptedEval: TrainingTask {
        let model: VectorModel
        var losses: [Double]
        init(_ model: VectorModel, losses: [Double]) { self.model = model; self.losses = losses }
        var exampleCount: Int? { 1 }
        func objective(batch: [Int], rng: inout SeededGenerator) throws -> Variable { try (model.w * model.w).sum() }
        func trainMetrics(objective: Float) -> [String: Double] { ["loss": Double(objective)] }
        func evaluate() throws -> [String: Double] { ["eval_loss": losses.isEmpty ? 1 : losses.removeFirst(), "accuracy": .nan] }
    }

    private func run(_ losses: [Double]) throws -> String {
        let model = VectorModel([1])
        var s = TrainingSettings(steps: 6, batchSize: 1, lr: 0.01, minLR: 0.01, warmupSteps: 0, gradClip: 0, evalEvery: 2)
        s.checkpointEvery = 1
        let m = RunManifest(task: "scripted", training: s, settings: s)
        do { try TrainingDriver(model: model, task: ScriptedEval(model, losses: losses), manifest: m, out: dir).run() } catch {
            return "\(error)"
        }
        return "finished"
    }

    private var checkpointStep: Int? {
        let url = dir.appendingPathComponent("checkpoint/trainer_state.json")
        return (try? JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])?["step"] as? Int
    }

    func testExplodingEvalLossStopsTheRun() throws {
        XCTAssertEqual(try run([0.7, 1.7e11]), "training diverged: eval eval_loss is 170000000000.0 at step 4 (limit 1000000.0); "
                       + "the checkpoint of this step was not written (lower --lr)")
        XCTAssertEqual(checkpointStep, 3)
    }

    func testNonFiniteEvalLossStopsTheRun() throws {
        XCTAssertEqual(try run([.nan]), "training diverged: eval eval_loss is nan at step 2 (limit 1000000.0); "
                       + "the checkpoint of this step was not written (lower --lr)")
        XCTAssertEqual(checkpointStep, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("final").path))
    }

    /// Non-loss metrics may be NaN (an accuracy over no pairs); a sane eval loss finishes.
    func testSaneEvalLossFinishes() throws {
        XCTAssertEqual(try run([0.7, 0.6, 0.5]), "finished")
    }
}
