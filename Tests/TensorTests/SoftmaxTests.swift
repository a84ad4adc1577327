import Foundation
import TensorCore
import TestSupport
import XCTest

final class SoftmaxKernelTests: XCTestCase {
    /// 96 rows × 131: enough work that `Parallel.forRows` splits it, and a width that is not a multiple of 4.
    let shape = [4, 24, 131]

    func testForwardMatchesFloat64Reference() {
        let x = FusedReference.values(shape.reduce(1, *), std: 4)
        let y = Tensor(shape: shape, x).softmax()
        let expected = FusedReference.rows(x, cols: 131).flatMap { row -> [Float] in
            let lse = FusedReference.logSumExp(row)
            return row.map { Float(exp($0 - lse)) }
        }
        XCTAssertEqual(y.shape, shape)
        assertClose(y.scalars, expected, rtol: 1e-5, atol: 1e-7)
    }

    func testHugeAndTinyLogitsDoNotOverflow() {
        let y = Tensor(shape: [2, 2], [1000, 1001, -1000, -1001]).softmax()
        assertClose(y.scalars, [0.26894142, 0.73105858, 0.73105858, 0.26894142], rtol: 1e-6)
    }

    func testBackwardMatchesFloat64Reference() {
        let count = shape.reduce(1, *)
        let x = FusedReference.values(count, std: 2), dy = FusedReference.values(count, seed: 9)
        let y = Tensor(shape: shape, x).softmax()
        let dx = Tensor.softmaxBackward(output: y, gradOutput: Tensor(shape: shape, dy))
        let ys = FusedReference.rows(y.scalars, cols: 131), dys = FusedReference.rows(dy, cols: 131)
        var expected: [Float] = []
        for (yr, gr) in zip(ys, dys) {
            let dot = zip(yr, gr).map { $0 * $1 }.reduce(0, +)
            expected += zip(yr, gr).map { Float($0 * ($1 - dot)) }
        }
        assertClose(dx.scalars, expected, rtol: 1e-4, atol: 1e-7)
    }
}
