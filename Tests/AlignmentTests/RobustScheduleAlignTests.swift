import Alignment
@testable import Datasets
@testable import Recipes
import Training
import Foundation
import XCTest

/// `align` with the GRPO reference code's schedule: ReduceLROnPlateau on the worst group's validation loss, η_α
/// halved at each cut, early stopping; and a resumed run continues the schedule exactly.
final class RobustScheduleAlignTests: XCTestCase {
    func config() -> AlignConfig {
        var config = AlignConfig()
        config.method = "gr-dpo"
        config.etaAlpha = 0.4
        config.steps = 14
        config.batchSize = 4
        config.evalEvery = 1
        config.lr = 3e-3
        config.minLR = 3e-3
        config.warmupSteps = 0
        var p = PlateauSettings()
        p.patience = 0
        p.factor = 0.5
        config.plateau = p
        config.etaAlphaHalving = true
        config.earlyStoppingPatience = 4
        return config
    }

    func testPlateauCutsHalveEtaAlphaAndEarlyStoppingEndsTheRun() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        let out = world.root.appendingPathComponent("run")
        var job = AlignJob(model: world.base, data: world.data, out: out, config: config())
        job.showProgress = false
        try job.run(log: { _ in })
        let lines = try MetricsLog.read(out.appendingPathComponent("metrics.jsonl"))
        let evals = lines.filter { $0["split"] as? String == "eval" }
        let trains = lines.filter { $0["split"] as? String == "train" }
        var schedule = PlateauSchedule(plateau: config().plateau, earlyStoppingPatience: 4)
        var stoppedAt: Int?
        for (i, e) in evals.enumerated() where stoppedAt == nil {
            let worst = (e["worst_group/loss"] as! NSNumber).doubleValue
            let decision = schedule.observe(worst)
            XCTAssertEqual((e["lr_scale"] as! NSNumber).doubleValue, Double(schedule.scale), accuracy: 1e-9, "eval \(i)")
            XCTAssertEqual((e["eta_alpha"] as! NSNumber).doubleValue, 0.4 * Double(schedule.scale), accuracy: 1e-6,
                           "η_α halves with every cut")
            if decision.stop { stoppedAt = (e["step"] as! NSNumber).intValue }
        }
        XCTAssertGreaterThan(schedule.cuts, 0, "the run plateaued at least once")
        XCTAssertEqual(trains.count, stoppedAt ?? 14, "the run ends at the early stop (or its budget)")
        // each step's rate is the constant schedule times the scale the previous evaluation left
        var scale = 1.0
        for (t, e) in zip(trains, evals) {
            XCTAssertEqual((t["lr"] as! NSNumber).doubleValue, 3e-3 * scale, accuracy: 1e-9)
            scale = (e["lr_scale"] as! NSNumber).doubleValue
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("final").path))
    }

    func testResumedRunContinuesTheSchedule() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        var c = config()
        c.earlyStoppingPatience = 0
        c.steps = 8
        let full = world.root.appendingPathComponent("full"), split = world.root.appendingPathComponent("split")
        var a = AlignJob(model: world.base, data: world.data, out: full, config: c)
        a.showProgress = false
        try a.run(log: { _ in })
        var b = AlignJob(model: world.base, data: world.data, out: split, config: c)
        b.showProgress = false
        b.stopAfter = 4
        try b.run(log: { _ in })
        b.stopAfter = nil
        b.resume = true
        try b.run(log: { _ in })
        let x = try MetricsLog.read(full.appendingPathComponent("metrics.jsonl")), y = try MetricsLog.read(split.appendingPathComponent("metrics.jsonl"))
        XCTAssertEqual(x.count, y.count)
        for (l, r) in zip(x, y) {
            for key in ["lr", "lr_scale", "eta_alpha", "loss"] {
                if let u = l[key] as? NSNumber { XCTAssertEqual(u.doubleValue, (r[key] as! NSNumber).doubleValue, accuracy: 1e-6, key) }
            }
        }
    }
}
