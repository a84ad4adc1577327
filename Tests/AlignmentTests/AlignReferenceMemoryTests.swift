import Alignment
import Foundation
import Models
@testable import Recipes
import TensorCore
import Training
import XCTest

/// A full-fine-tune `align` caches every reference log-prob (train, validation, test) before its first step and
/// then trains the reference's own weights: one copy of the model in memory instead of two, the same results.
final class AlignReferenceMemoryTests: XCTestCase {
    func run(_ world: TinyWorld, _ name: String, reference: URL?) throws -> (eval: [String: Any], peak: Int) {
        var config = AlignConfig()
        config.method = "gr-dpo"
        config.etaAlpha = 0.5
        config.steps = 3
        config.batchSize = 2
        config.evalEvery = 3
        config.lr = 1e-3
        var job = AlignJob(model: world.base, data: world.data, out: world.root.appendingPathComponent(name), config: config)
        job.referenceModel = reference
        job.cacheDirectory = world.root.appendingPathComponent("cache-\(name)")
        job.showProgress = false
        let (_, peak) = try TensorMemory.peakBytes(during: { try job.run(log: { _ in }) })
        let data = try Data(contentsOf: world.root.appendingPathComponent(name).appendingPathComponent("eval.json"))
        return (try JSONSerialization.jsonObject(with: data) as! [String: Any], peak)
    }

    func testFullFineTuneHoldsOneCopyOfTheWeightsAndKeepsItsResults() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        // A long position table makes the weights (and their gradients and moments) the bulk of the memory
        // without adding activations, so one copy more or less stands out of the peak.
        let tokenizer = try Data(contentsOf: world.base.appendingPathComponent("tokenizer.json"))
        let small = try Checkpoint.load(from: world.base) as! GPT
        var config = small.config
        config.nPositions = 8192
        try Checkpoint.save(try GPT(config, seed: 1), to: world.base, extraFiles: ["tokenizer.json": tokenizer])
        let weightBytes = try Checkpoint.load(from: world.base).parameterCount * 4
        // The same folder as a separate --reference: the job then loads a second model, as every run did before.
        let separate = try run(world, "separate", reference: world.base)
        let shared = try run(world, "shared", reference: nil)
        XCTAssertLessThanOrEqual(shared.peak, separate.peak - weightBytes * 9 / 10,
                                 "peak tensor bytes \(shared.peak) against \(separate.peak); the weights are \(weightBytes)")
        XCTAssertEqual(Set(shared.eval.keys), Set(separate.eval.keys))
        for (key, value) in separate.eval {
            if let a = value as? Double { XCTAssertEqual(shared.eval[key] as? Double, a, key) }
        }
        XCTAssertEqual(shared.eval["split"] as? String, "test")
    }
}
