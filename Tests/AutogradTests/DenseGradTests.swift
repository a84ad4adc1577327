import Autograd
import TensorCore
import XCTest

final class DenseGradTests: XCTestCase {
    /// dx, dweight ([out, in]) and dbias together.
    func testGradcheckWithBias() throws {
        let inputs = [gradcheckInput([2, 3, 5], seed: 1), gradcheckInput([4, 5], seed: 2), gradcheckInput([4], seed: 3)]
        try assertGradientsMatch(inputs) { v in try Variable.dense(v[0], weight: v[1], bias: v[2]) }
    }

    /// One row takes the matrix–vector path forward.
    func testGradcheckSingleRowWithoutBias() throws {
        let inputs = [gradcheckInput([1, 6], seed: 4), gradcheckInput([3, 6], seed: 5)]
        try assertGradientsMatch(inputs) { v in try Variable.dense(v[0], weight: v[1], bias: nil) }
    }
}
