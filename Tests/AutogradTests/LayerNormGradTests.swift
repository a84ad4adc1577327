import Autograd
import TensorCore
import XCTest

final class LayerNormGradTests: XCTestCase {
    /// Checks dx, dweight and dbias together: weight and bias are inputs 1 and 2 of the gradcheck.
    func testGradcheckOfInputWeightAndBias() throws {
        let inputs = [gradcheckInput([2, 3, 6], seed: 1), gradcheckInput([6], seed: 2), gradcheckInput([6], seed: 3)]
        try assertGradientsMatch(inputs) { v in try v[0].layerNorm(weight: v[1], bias: v[2]) }
    }

    func testWeightAndBiasGradientsAccumulateOverCalls() throws {
        let x = Variable(gradcheckInput([3, 4]))
        let w = Variable(gradcheckInput([4], seed: 2), requiresGrad: true), b = Variable(.zeros([4]), requiresGrad: true)
        try x.layerNorm(weight: w, bias: b).backward()
        let once = b.grad!.scalars
        try x.layerNorm(weight: w, bias: b).backward()
        // d(Σ y)/dbias = number of rows, once per backward.
        XCTAssertEqual(once, [3, 3, 3, 3])
        XCTAssertEqual(b.grad!.scalars, [6, 6, 6, 6])
    }
}
