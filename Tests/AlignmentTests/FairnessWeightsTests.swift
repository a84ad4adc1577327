import Alignment
import XCTest

/// Fairness weights c_i scale group i's regret row; the mixture shifts towards the groups that count more.
final class FairnessWeightsTests: XCTestCase {
    func testWeightsScaleRegretRowsAndMoveTheMixture() throws {
        let l: [[Double]] = [[1, 0], [0, 1]]                 // each group gains 1 from its own policy
        let plain = try RegretMatrix(logRatios: l).game().solveExactly()
        XCTAssertEqual(plain.column[0], 0.5, accuracy: 1e-9)
        XCTAssertEqual(plain.value, 0.5, accuracy: 1e-9)
        let weighted = try RegretMatrix(logRatios: l, fairnessWeights: [3, 1])
        XCTAssertEqual(weighted.regrets, [[0, 3], [1, 0], [0, 0]])
        // min over w of max(3 w_1, w_0): 3 w_1 = 1 − w_1, so w = (3/4, 1/4), value 3/4
        let s = try weighted.game().solveExactly()
        XCTAssertEqual(s.column[0], 0.75, accuracy: 1e-9)
        XCTAssertEqual(s.value, 0.75, accuracy: 1e-9)
        let optimistic = try weighted.game().solveOptimistic()
        XCTAssertEqual(optimistic.column[0], 0.75, accuracy: 1e-2)
    }

    func testBadWeightsAreRefused() {
        XCTAssertThrowsError(try RegretMatrix(logRatios: [[1, 0], [0, 1]], fairnessWeights: [1])) {
            XCTAssertEqual("\($0)", "fairness weights must be 2 finite numbers ≥ 0, not all 0 (got [1.0])")
        }
        XCTAssertThrowsError(try RegretMatrix(logRatios: [[1, 0], [0, 1]], fairnessWeights: [0, 0]))
        XCTAssertThrowsError(try RegretMatrix(logRatios: [[1, 0], [0, 1]], fairnessWeights: [-1, 2]))
    }
}
