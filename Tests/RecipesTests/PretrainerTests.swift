import Autograd
import Datasets
import Foundation
import Models
import Recipes
import Training
import TensorCore
import TestSupport
import XCTest

/// End-to-end pretraining through the library API on a tiny model and corpus (seconds in a debug build).
final class PretrainerTests: XCTestCase {
    var dir: URL!
    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-pretrain-\(UUID().uuidString)")
    }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    let modelConfig = GPTConfig(vocabSize: 12, nPositions: 16, nEmbd: 32, nLayer: 2, nHead: 2)
    let tokenizerJSON = Data(#"{"model":{"type":"BPE"}}"#.utf8)

    /// A corpus that is one short pattern repeated: next-token prediction is learnable from any position.
    var repetitive: TokenDataset {
        let pattern: [Int32] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 11]
        return TokenDataset(tokens: Array((0..<60).map { _ in pattern }.joined()))
    }

    func settings(steps: Int) -> PretrainConfig {
        var s = PretrainConfig()
        s.steps = steps
        s.batchSize = 4
        s.lr = 1e-2
        s.minLR = 1e-3
        s.warmupSteps = 3
        s.evalEvery = 4
        s.evalBatches = 2
        s.seed = 7
        return s
    }

    func testLossFallsOnARepetitiveCorpus() throws {
        let trainer = try Pretrainer(model: GPT(modelConfig, seed: 1), config: settings(steps: 30), data: repetitive, out: dir, tokenizerJSON: tokenizerJSON, resume: false)
        let evalLoss = try trainer.run()
        let lines = try MetricsLog.read(dir.appendingPathComponent("metrics.jsonl"))
        let records = lines.filter { $0["split"] as? String == "train" }
        let evals = lines.filter { $0["split"] as? String == "eval" }
        XCTAssertEqual(records.map { $0["step"] as? Int }, (1...30).map { $0 })
        XCTAssertEqual(evals.map { $0["step"] as? Int }, [4, 8, 12, 16, 20, 24, 28, 30])
        let losses = records.map { ($0["loss"] as! NSNumber).floatValue }
        // Starts near ln(12) = 2.48 (uniform guessing) and ends far below it.
        XCTAssertEqual(losses[0], log(12), accuracy: 0.15)
        XCTAssertLessThan(losses.suffix(5).reduce(0, +) / 5, 0.5 * losses[0])
        XCTAssertLessThan(evalLoss, 0.5 * losses[0])
        XCTAssertEqual((evals.last!["loss"] as! NSNumber).floatValue, evalLoss)
        // The final model is saved and reloads to the trained weights.
        let final = try Checkpoint.load(from: dir.appendingPathComponent("final"))
        for ((name, a), (_, b)) in zip(trainer.model.namedParameters, final.namedParameters) {
            XCTAssertEqual(a.value.scalars, b.value.scalars, name)
        }
    }

    func testStoppedAndResumedRunMatchesAnUninterruptedOne() throws {
        let full = dir.appendingPathComponent("full"), split = dir.appendingPathComponent("split")
        let uninterrupted = try Pretrainer(model: GPT(modelConfig, seed: 1), config: settings(steps: 12), data: repetitive, out: full, tokenizerJSON: tokenizerJSON, resume: false)
        try uninterrupted.run()

        let first = try Pretrainer(model: GPT(modelConfig, seed: 1), config: settings(steps: 12), data: repetitive, out: split, tokenizerJSON: tokenizerJSON, resume: false)
        try first.run(stopAt: 5)
        XCTAssertFalse(FileManager.default.fileExists(atPath: split.appendingPathComponent("final").path))
        let restored = try Checkpoint.load(from: split.appendingPathComponent("checkpoint"))
        let second = try Pretrainer(model: restored, config: settings(steps: 12), data: repetitive, out: split,
                                    tokenizerJSON: tokenizerJSON, resume: true)
        XCTAssertEqual(second.currentStep, 5)
        try second.run()

        for ((name, a), (_, b)) in zip(uninterrupted.model.namedParameters, second.model.namedParameters) {
            assertClose(b.value.scalars, a.value.scalars, rtol: 0, atol: 1e-6, name)
        }
        let expected = try MetricsLog.read(full.appendingPathComponent("metrics.jsonl"))
        let actual = try MetricsLog.read(split.appendingPathComponent("metrics.jsonl"))
        XCTAssertEqual(actual.count, 12 + 3)
        XCTAssertEqual(expected.count, 12 + 3)
        for (e, a) in zip(expected, actual) {
            // Throughput is wall-clock; every other field is part of the trajectory.
            XCTAssertEqual(Set(e.keys), Set(a.keys))
            for key in e.keys where key != "tokens_per_s" && key != "split" {
                let x = (e[key] as! NSNumber).doubleValue, y = (a[key] as! NSNumber).doubleValue
                XCTAssertEqual(y, x, accuracy: 1e-6 * max(1, abs(x)), "step \(e["step"]!) \(key)")
            }
        }
    }

    func testCheckpointFolderHoldsEverythingToContinue() throws {
        var s = settings(steps: 6)
        s.checkpointEvery = 4
        let trainer = try Pretrainer(model: GPT(modelConfig, seed: 1), config: s, data: repetitive, out: dir,
                                     tokenizerJSON: tokenizerJSON, resume: false)
        try trainer.run()
        let folder = dir.appendingPathComponent("checkpoint")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertEqual(files, ["config.json", "model.safetensors", "optimizer.safetensors", "run_config.json", "tokenizer.json",
                               "trainer_state.json"])
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("tokenizer.json")), tokenizerJSON)
        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("trainer_state.json")))
        XCTAssertEqual((state as? [String: Any])?["step"] as? Int, 6)
        XCTAssertEqual(try Checkpoint.loadConfig(from: folder), modelConfig)
        // One AdamW step count per parameter, equal to the steps taken.
        let optimizer = try Checkpoint.loadTensors(from: folder, file: "optimizer.safetensors")
        let model = try GPT(modelConfig)
        XCTAssertEqual(optimizer.count, 3 * model.parameters.count)
        XCTAssertEqual(optimizer["0.step"]?.item, 6)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(),
                       [".lock", "checkpoint", "final", "metrics.jsonl", "run_config.json"])
    }

    func testTooSmallCorpusFailsBeforeWritingAnything() throws {
        // 40 tokens: the 10% held out (4 tokens) cannot fill a window of 16 + 1.
        XCTAssertThrowsError(try Pretrainer(model: GPT(modelConfig, seed: 1), config: settings(steps: 3),
                                            data: TokenDataset(tokens: Array(repeating: 1, count: 40)), out: dir,
                                            tokenizerJSON: nil, resume: false)) { e in
            XCTAssertEqual("\(e)", "invalid input: the corpus is too small: its validation part has 4 tokens, "
                                   + "a context of 16 needs at least 17")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path))
    }

    func testResumeWithDifferentSettingsIsRefusedNamingThem() throws {
        try Pretrainer(model: GPT(modelConfig, seed: 1), config: settings(steps: 4), data: repetitive, out: dir,
                       tokenizerJSON: nil, resume: false).run(stopAt: 2)
        var changed = settings(steps: 4)
        changed.batchSize = 8
        changed.lr = 0.5
        let restored = try Checkpoint.load(from: dir.appendingPathComponent("checkpoint"))
        XCTAssertThrowsError(try Pretrainer(model: restored, config: changed, data: repetitive, out: dir, tokenizerJSON: nil, resume: true)) { e in
            XCTAssertEqual("\(e)", "cannot resume: \(self.dir.path) was run with settings.training.batch_size = 4, this run has 8 "
                                   + "(resume with the same settings, or start a new --out)")
        }
    }
}
