import Autograd
import TensorCore
import XCTest

final class CrossEntropyGradTests: XCTestCase {
    let targets: [Int32] = [1, -100, 4, 0, -100, 2]

    func testGradcheckWithIgnoredRows() throws {
        try assertGradientsMatch([gradcheckInput([6, 5], std: 2)]) { v in
            try Variable.crossEntropy(logits: v[0], targets: self.targets)
        }
    }

    func testIgnoredRowsGetNoGradientAndLossIsScalar() throws {
        let logits = Variable(gradcheckInput([6, 5]), requiresGrad: true)
        let loss = try Variable.crossEntropy(logits: logits, targets: targets)
        XCTAssertEqual(loss.shape, [])
        loss.backward()
        let g = logits.grad!.scalars
        XCTAssertEqual(Array(g[5..<10]) + Array(g[20..<25]), [Float](repeating: 0, count: 10))
        // Row 0 (target 1) of the 4 kept rows: (softmax − onehot) / 4.
        var expected = logits.value.softmax().scalars[0..<5].map { $0 / 4 }
        expected[1] -= 0.25
        for j in 0..<5 { XCTAssertEqual(g[j], expected[j], accuracy: 1e-6) }
    }

    func testGradcheckWithCustomIgnoreIndex() throws {
        try assertGradientsMatch([gradcheckInput([3, 4], std: 2, seed: 5)]) { v in
            try Variable.crossEntropy(logits: v[0], targets: [3, 0, -1], ignoreIndex: -1)
        }
    }

    func testOutOfRangeTargetThrows() {
        XCTAssertThrowsError(try Variable.crossEntropy(logits: Variable(.zeros([2, 3])), targets: [3, 0])) { error in
            XCTAssertTrue("\(error)".contains("row 0: target 3"), "\(error)")
        }
    }
}
