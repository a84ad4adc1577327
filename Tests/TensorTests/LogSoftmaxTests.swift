import Foundation
import TensorCore
import TestSupport
import XCTest

final class LogSoftmaxKernelTests: XCTestCase {
    let shape = [96, 131]

    func testForwardMatchesFloat64Reference() {
        let x = FusedReference.values(shape.reduce(1, *), std: 4)
        let y = Tensor(shape: shape, x).logSoftmax()
        let expected = FusedReference.rows(x, cols: 131).flatMap { row -> [Float] in
            let lse = FusedReference.logSumExp(row)
            return row.map { Float($0 - lse) }
        }
        assertClose(y.scalars, expected, rtol: 1e-5, atol: 1e-5)
    }

    func testHugeAndTinyLogitsStayFinite() {
        let y = Tensor(shape: [2, 2], [1000, 1001, -1000, 0]).logSoftmax()
        assertClose(y.scalars, [-1.3132617, -0.3132617, -1000, 0], rtol: 1e-6, atol: 1e-6)
    }

    func testBackwardMatchesFloat64Reference() {
        let count = shape.reduce(1, *)
        let x = FusedReference.values(count, std: 2), dy = FusedReference.values(count, seed: 9)
        let y = Tensor(shape: shape, x).logSoftmax()
        let dx = Tensor.logSoftmaxBackward(output: y, gradOutput: Tensor(shape: shape, dy))
        var expected: [Float] = []
        for (xr, gr) in zip(FusedReference.rows(x, cols: 131), FusedReference.rows(dy, cols: 131)) {
            let lse = FusedReference.logSumExp(xr), total = gr.reduce(0, +)
            expected += zip(xr, gr).map { Float($1 - exp($0 - lse) * total) }
        }
        assertClose(dx.scalars, expected, rtol: 1e-4, atol: 1e-5)
    }
}
