import TensorCore
import TestSupport
import XCTest
import Autograd

final class ClipGradNormTests: XCTestCase {
    func testScalesAllGradientsByTheGlobalNorm() {
        // Gradients (3, 4) and (12): global norm √(9 + 16 + 144) = 13.
        let a = Variable(Tensor(shape: [2], [0, 0]), requiresGrad: true)
        let b = Variable(Tensor(shape: [1, 1], [0]), requiresGrad: true)
        let untouched = Variable(Tensor(shape: [1], [0]), requiresGrad: true)
        a.grad = Tensor(shape: [2], [3, 4])
        b.grad = Tensor(shape: [1, 1], [12])
        let norm = clipGradNorm([a, b, untouched], maxNorm: 6.5)
        XCTAssertEqual(norm, 13)
        let factor: Float = 6.5 / (13 + 1e-6)
        assertClose(a.grad!.scalars, [3 * factor, 4 * factor], rtol: 1e-7)
        assertClose(b.grad!.scalars, [12 * factor], rtol: 1e-7)
        XCTAssertNil(untouched.grad)
    }

    func testLeavesGradientsBelowTheLimitUnchanged() {
        let a = Variable(Tensor(shape: [3], [1, -2, 2]), requiresGrad: true)
        a.grad = Tensor(shape: [3], [1, -2, 2])
        XCTAssertEqual(clipGradNorm([a], maxNorm: 3.5), 3)
        XCTAssertEqual(a.grad!.scalars, [1, -2, 2])
    }

    func testLongGradientUsesEveryElement() {
        // 10 001 elements of 0.5 (blocks, lanes and a tail): norm = 0.5·√10001.
        let n = 10_001
        let a = Variable(Tensor.zeros([n]), requiresGrad: true)
        a.grad = Tensor.full([n], 0.5)
        let norm = clipGradNorm([a], maxNorm: 1)
        assertClose(norm, 0.5 * Float(10_001).squareRoot(), rtol: 1e-6)
        assertClose(a.grad!.scalars, [Float](repeating: 0.5 / (norm + 1e-6), count: n), rtol: 1e-6)
    }

    func testNaNNormIsReportedAndGradientsKept() {
        let a = Variable(Tensor.zeros([2]), requiresGrad: true)
        a.grad = Tensor(shape: [2], [.nan, 1])
        XCTAssertTrue(clipGradNorm([a], maxNorm: 1).isNaN)
        XCTAssertEqual(a.grad!.scalars[1], 1)
    }
}
