import Autograd
import TensorCore
import XCTest

final class TargetLogProbsGradTests: XCTestCase {
    func testGradcheckWithAnIgnoredRow() throws {
        try assertGradientsMatch([gradcheckInput([2, 3, 5], std: 2)]) { v in
            let out = try Variable.targetLogProbs(logits: v[0], targets: [0, 4, -100, 2, 1, 3])
            XCTAssertEqual(out.shape, [2, 3])
            return out
        }
    }
}
