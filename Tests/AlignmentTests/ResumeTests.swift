import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Foundation
import Models
import XCTest

/// A run stopped and resumed gives the same metrics as the uninterrupted run (to 1e-6).
final class ResumeTests: XCTestCase {
    func lines(_ url: URL) throws -> [[String: Any]] { try MetricsLog.read(url) }

    func testGRDPOResumeMatchesUninterruptedRun() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        var config = AlignConfig()
        config.method = "gr-dpo"
        config.etaAlpha = 0.5
        config.steps = 6
        config.batchSize = 4
        config.evalEvery = 2
        config.lr = 1e-3
        let fullDir = world.root.appendingPathComponent("full"), splitDir = world.root.appendingPathComponent("split")
        var full = AlignJob(model: world.base, data: world.data, out: fullDir, config: config)
        full.showProgress = false
        try full.run(log: { _ in })

        var first = AlignJob(model: world.base, data: world.data, out: splitDir, config: config)
        first.showProgress = false
        first.stopAfter = 3
        try first.run(log: { _ in })
        XCTAssertEqual(try lines(splitDir.appendingPathComponent("metrics.jsonl")).filter { $0["split"] as? String == "train" }.count, 3)
        var second = first
        second.stopAfter = nil
        second.resume = true
        try second.run(log: { _ in })

        let a = try lines(fullDir.appendingPathComponent("metrics.jsonl")), b = try lines(splitDir.appendingPathComponent("metrics.jsonl"))
        XCTAssertEqual(a.count, b.count)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(Set(x.keys), Set(y.keys))
            for (k, v) in x {
                if let d = v as? Double, let e = y[k] as? Double {
                    XCTAssertEqual(d, e, accuracy: 1e-6 * max(1, abs(d)), "step \(x["step"]!) \(k)")
                } else {
                    XCTAssertEqual("\(v)", "\(y[k]!)", k)
                }
            }
        }
        let w1 = try Checkpoint.load(from: fullDir.appendingPathComponent("final")).parameters.map(\.value.scalars)
        let w2 = try Checkpoint.load(from: splitDir.appendingPathComponent("final")).parameters.map(\.value.scalars)
        XCTAssertEqual(w1, w2)
        // α is part of the run: it moved away from uniform and was restored on resume.
        let lastTrain = a.last { $0["split"] as? String == "train" }!
        let alphas = ["north", "south", "east"].map { lastTrain["alpha/\($0)"] as! Double }
        XCTAssertNotEqual(alphas, [1.0 / 3, 1.0 / 3, 1.0 / 3])
    }
}
