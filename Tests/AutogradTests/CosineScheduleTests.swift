import Foundation
import TestSupport
import XCTest
import Autograd

final class CosineScheduleTests: XCTestCase {
    func testWarmupCosineAndFloor() throws {
        let s = try CosineSchedule(baseLR: 6e-4, warmupSteps: 10, totalSteps: 110, minLR: 6e-5)
        let expected: [(Int, Float)] = [
            (0, 6e-5),                      // 6e-4 · 1/10
            (4, 3e-4),                      // 6e-4 · 5/10
            (9, 6e-4),                      // end of warmup
            (10, 6e-4),                     // cosine at 0
            (35, 5.209188309203678e-4),     // ratio ¼: 6e-5 + ½(1 + cos(π/4)) · 5.4e-4
            (60, 3.3e-4),                   // ratio ½: midway
            (85, 1.3908116907963220e-4),    // ratio ¾: 6e-5 + ½(1 − cos(π/4)) · 5.4e-4
            (110, 6e-5), (1000, 6e-5),
        ]
        for (step, lr) in expected { assertClose(s(step), lr, rtol: 1e-6, atol: 0, "step \(step)") }
    }

    func testNoWarmupStartsAtThePeak() throws {
        let s = try CosineSchedule(baseLR: 1, warmupSteps: 0, totalSteps: 4)
        XCTAssertEqual((0...4).map { s.lr(at: $0) }, [1, 0.8535534, 0.5, 0.14644662, 0])
        XCTAssertEqual(s.lr(at: -3), 1)
    }

    func testInvalidSettingsThrow() {
        XCTAssertThrowsError(try CosineSchedule(baseLR: 1, warmupSteps: 5, totalSteps: 4)) {
            XCTAssertTrue("\($0)".contains("need 0 <= warmupSteps (5) <= totalSteps (4)"), "\($0)")
        }
        XCTAssertThrowsError(try CosineSchedule(baseLR: -1, warmupSteps: 0, totalSteps: 4)) {
            XCTAssertTrue("\($0)".contains("baseLR = -1.0 must be finite and >= 0"), "\($0)")
        }
    }
}

extension CosineScheduleTests {
    func testCodableRoundTripAndValidation() throws {
        let s = try CosineSchedule(baseLR: 0.5, warmupSteps: 2, totalSteps: 6, minLR: 0.1)
        let back = try JSONDecoder().decode(CosineSchedule.self, from: JSONEncoder().encode(s))
        XCTAssertEqual((0...7).map(back.lr(at:)), (0...7).map(s.lr(at:)))
        let bad = Data(#"{"baseLR": 1, "warmupSteps": 3, "totalSteps": 1, "minLR": 0}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(CosineSchedule.self, from: bad)) {
            XCTAssertTrue("\($0)".contains("need 0 <= warmupSteps (3) <= totalSteps (1)"), "\($0)")
        }
    }
}
