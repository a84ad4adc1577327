@testable import Alignment
@testable import Datasets
@testable import Recipes
import Foundation
import Training
import Autograd
import TensorCore
import XCTest

/// The plateau schedule against PyTorch's ReduceLROnPlateau (Fixtures/make_plateau_fixture.py), early stopping,
/// and how the alignment settings reach the robust weighting.
final class PlateauScheduleTests: XCTestCase {
    struct Cases: Decodable {
        struct Case: Decodable { var values: [Double]; var factor: Float; var patience: Int; var threshold: Double; var min_scale: Float; var scales: [Double] }
        var cases: [Case]
    }

    func testCutsMatchPyTorchReduceLROnPlateau() throws {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent("plateau_cases.json")
        let cases = try JSONDecoder().decode(Cases.self, from: Data(contentsOf: url)).cases
        XCTAssertEqual(cases.count, 16)
        var cutsSeen = 0
        for (n, c) in cases.enumerated() {
            var p = PlateauSettings()
            p.factor = c.factor; p.patience = c.patience; p.threshold = c.threshold; p.minScale = c.min_scale
            var schedule = PlateauSchedule(plateau: p)
            for (i, (v, expected)) in zip(c.values, c.scales).enumerated() {
                let before = schedule.scale
                let decision = schedule.observe(v)
                XCTAssertEqual(Double(schedule.scale), expected, accuracy: 1e-6 * expected, "case \(n), value \(i)")
                XCTAssertEqual(decision.cut, schedule.scale < before)
                XCTAssertFalse(decision.stop, "no early stopping asked")
                if decision.cut { cutsSeen += 1 }
            }
        }
        XCTAssertGreaterThan(cutsSeen, 20, "the fixture exercises many cuts")
    }

    func testEarlyStoppingCountsEvaluationsSinceTheBest() {
        var schedule = PlateauSchedule(plateau: nil, earlyStoppingPatience: 2)
        let stops = [0.9, 0.8, 0.85, 0.7, 0.75, .nan, 0.6].map { schedule.observe($0).stop }
        XCTAssertEqual(stops, [false, false, false, false, false, true, false])
        XCTAssertEqual(schedule.scale, 1, "without plateau settings the rate is never cut")
        XCTAssertEqual(schedule.best, 0.6)
    }

    func testReferenceScalingMultipliesGroupLossesByTheBatchSize() throws {
        var config = AlignConfig()
        config.method = "gr-dpo"
        let losses = Variable(Tensor(shape: [4], [0.5, 1.0, 0.2, 0.7]))
        var unbiased = try XCTUnwrap(try GroupWeightings.weighting(for: config, groupSizes: [6, 2]) as? RobustWeighting)
        config.groupLossScaling = .reference
        var reference = try XCTUnwrap(try GroupWeightings.weighting(for: config, groupSizes: [6, 2]) as? RobustWeighting)
        XCTAssertTrue(reference.referenceCodeScaling)
        XCTAssertFalse(unbiased.referenceCodeScaling)
        _ = try unbiased.objective(losses: losses, groups: [0, 1, 0, 1])
        _ = try reference.objective(losses: losses, groups: [0, 1, 0, 1])
        // G_0 = 8/6 · (0.5 + 0.2) / 4 and G_1 = 8/2 · (1.0 + 0.7) / 4 unbiased; 4 times that for the reference code
        XCTAssertEqual(unbiased.lastGroupLosses[0], 8 / 6 * 0.7 / 4, accuracy: 1e-6)
        XCTAssertEqual(unbiased.lastGroupLosses[1], 8 / 2 * 1.7 / 4, accuracy: 1e-6)
        for g in 0..<2 { XCTAssertEqual(reference.lastGroupLosses[g], 4 * unbiased.lastGroupLosses[g], accuracy: 1e-5) }
    }
}
