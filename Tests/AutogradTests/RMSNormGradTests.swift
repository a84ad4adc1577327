import Autograd
import TensorCore
import XCTest

final class RMSNormGradTests: XCTestCase {
    /// dx and dweight together (weight is input 1), Llama form.
    func testGradcheckOfInputAndWeight() throws {
        let inputs = [gradcheckInput([2, 3, 8], seed: 1), gradcheckInput([8], seed: 2)]
        try assertGradientsMatch(inputs) { v in try v[0].rmsNorm(weight: v[1], eps: 1e-6) }
    }

    /// Gemma form: scale 1 + weight.
    func testGradcheckUnitOffset() throws {
        let inputs = [gradcheckInput([4, 6], seed: 3), gradcheckInput([6], std: 0.3, seed: 4)]
        try assertGradientsMatch(inputs) { v in try v[0].rmsNorm(weight: v[1], eps: 1e-6, unitOffset: true) }
    }
}
