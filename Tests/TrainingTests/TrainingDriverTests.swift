import Autograd
import Foundation
import TensorCore
import Training
import XCTest

/// A parameter vector saved as one safetensors file: the smallest `Trainable`.
final class VectorModel: Trainable {
    let w: Variable
    init(_ values: [Float]) { w = Variable(Tensor(shape: [values.count], values), requiresGrad: true) }
    var trainableParameters: [Variable] { [w] }
    func write(to folder: URL) throws { try SafeTensors.write(["w": w.value], to: folder.appendingPathComponent("w.safetensors")) }
    func read(from folder: URL) throws {
        w.assign(try XCTUnwrap(SafeTensors.read(contentsOf: folder.appendingPathComponent("w.safetensors")).tensors["w"]))
    }
}

/// Least squares towards per-example targets: objective = mean over the batch of |w − t_i|².
final class LeastSquaresTask: TrainingTask {
    let model: VectorModel
    let targets: [[Float]]
    init(model: VectorModel, targets: [[Float]]) {
        self.model = model
        self.targets = targets
    }
    var exampleCount: Int? { targets.count }
    func objective(batch: [Int], rng: inout SeededGenerator) throws -> Variable {
        var total: Variable?
        for i in batch {
            let d = try model.w - Variable(Tensor(shape: [targets[i].count], targets[i]))
            let l = try (d * d).sum()
            total = try total.map { try $0 + l } ?? l
        }
        return total! * (1 / Float(batch.count))
    }
    func trainMetrics(objective: Float) -> [String: Double] { ["loss": Double(objective)] }
    func evaluate() throws -> [String: Double] { [:] }
}

final class TrainingDriverTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-driver-\(UUID().uuidString)") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func manifest(steps: Int = 200, lr: Float = 0.05, gradClip: Float = 0) -> RunManifest<TrainingSettings> {
        let s = TrainingSettings(steps: steps, batchSize: 2, lr: lr, minLR: lr, warmupSteps: 0, gradClip: gradClip, evalEvery: 0)
        return RunManifest(task: "least-squares", training: s, settings: s)
    }

    /// The driver minimises the task's objective: w goes to the mean of the targets (1, −2).
    func testDriverMinimisesTheObjectiveWithoutARunFolder() throws {
        let model = VectorModel([0, 0])
        let task = LeastSquaresTask(model: model, targets: [[0, -1], [2, -3]])
        let outcome = try TrainingDriver(model: model, task: task, manifest: manifest(), out: nil).run()
        XCTAssertTrue(outcome.finished)
        XCTAssertEqual(outcome.step, 200)
        assertClose(model.w.value.scalars, [1, -2], atol: 0.05)
    }

    /// A step that leaves a parameter infinite is never saved: the run stops naming it, the last good
    /// checkpoint stays, and no final folder is written.
    func testNonFiniteParametersAreNeverSaved() throws {
        // Maximising Σw, Adam moves every weight by lr = 3e37 per step: past Float.greatestFiniteMagnitude (3.4e38)
        // on step 12, while the loss (computed before each update) is still finite.
        final class Ascent: TrainingTask {
            let model: VectorModel
            init(_ model: VectorModel) { self.model = model }
            var exampleCount: Int? { 1 }
            func objective(batch: [Int], rng: inout SeededGenerator) throws -> Variable { model.w.sum() * -1 }
            func trainMetrics(objective: Float) -> [String: Double] { ["loss": Double(objective)] }
            func evaluate() throws -> [String: Double] { [:] }
        }
        let model = VectorModel([1])
        var m = manifest(steps: 40, lr: 3e37)
        m.training.checkpointEvery = 1
        XCTAssertThrowsError(try TrainingDriver(model: model, task: Ascent(model), manifest: m, out: dir).run()) { e in
            XCTAssertEqual("\(e)", "training diverged: parameter 0 is not finite after step 12; checkpoint at step 12 was not written (lower --lr)")
        }
        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("checkpoint/trainer_state.json")))
        XCTAssertEqual((state as? [String: Any])?["step"] as? Int, 11, "the last good checkpoint is kept")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("final").path))
    }

    /// The resume check names the first setting that differs, ignores cadence and paths, and compares data.
    func testResumeCheckNamesTheDifferingSetting() throws {
        let a = manifest()
        var b = a
        b.training.checkpointEvery = 7
        b.commandLine = ["other"]
        XCTAssertNoThrow(try ResumeCheck.check(saved: a.encoded(), requested: b.encoded(), folder: "run"))
        b.training.seed = 5
        XCTAssertThrowsError(try ResumeCheck.check(saved: a.encoded(), requested: b.encoded(), folder: "run")) { e in
            XCTAssertEqual("\(e)", "cannot resume: run was run with training.seed = 0, this run has 5 (resume with the same settings, or start a new --out)")
        }
        var c = a, d = a
        c.data = [FileFingerprint(bytes: Data("one".utf8), path: "a.jsonl")]
        d.data = [FileFingerprint(bytes: Data("two".utf8), path: "b.jsonl")]
        XCTAssertThrowsError(try ResumeCheck.check(saved: c.encoded(), requested: d.encoded(), folder: "run")) { e in
            XCTAssertTrue("\(e)".contains("data.0.fnv1a"), "\(e)")
        }
    }

    /// A settings struct that embeds the training settings (align's `settings.align.training`) gets the same free
    /// cadence keys there, and the same strictness for everything else.
    func testResumeCheckFreesCadenceInsideEmbeddedTrainingSettings() throws {
        func json(_ checkpointEvery: Int, seed: Int) -> Data {
            Data("{\"settings\":{\"align\":{\"training\":{\"checkpoint_every\":\(checkpointEvery),\"eval_every\":5,\"seed\":\(seed)}}}}".utf8)
        }
        XCTAssertNoThrow(try ResumeCheck.check(saved: json(5, seed: 0), requested: json(7, seed: 0), folder: "run"))
        XCTAssertThrowsError(try ResumeCheck.check(saved: json(5, seed: 0), requested: json(5, seed: 1), folder: "run")) { e in
            XCTAssertTrue("\(e)".contains("settings.align.training.seed = 0"), "\(e)")
        }
    }

    /// JSON has no NaN: the metrics log writes it as null instead of failing the run.
    func testMetricsLogWritesNonFiniteNumbersAsNull() throws {
        let url = dir.appendingPathComponent("metrics.jsonl")
        let log = try MetricsLog(url: url)
        try log.write(["step": 1, "grad_norm": Float.nan, "loss": Double.infinity, "lr": 0.5])
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "{\"grad_norm\":null,\"loss\":null,\"lr\":0.5,\"step\":1}\n")
    }
}

/// |a − b| ≤ atol element-wise.
func assertClose(_ a: [Float], _ b: [Float], atol: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: atol, file: file, line: line) }
}
