import TensorCore
import TestSupport
import XCTest

/// Shapes large enough that the bias copy and the bias-gradient column sums are split over the cores,
/// with a column count that is not a multiple of the 16-float chunks.
final class LinearKernelTests: XCTestCase {
    func testLargeForwardAndBackwardMatchNaiveSums() throws {
        var rng = SeededGenerator(seed: 21)
        let rows = 600, nIn = 3, nOut = 203
        let x = Tensor.normal([rows, nIn], using: &rng), w = Tensor.normal([nIn, nOut], using: &rng)
        let b = Tensor.normal([nOut], using: &rng), dy = Tensor.normal([rows, nOut], using: &rng)
        let y = try LinearKernel.forward(x, weight: w, bias: b)
        let (dx, dw, db) = LinearKernel.backward(dy, x: x, weight: w)
        var expectedY = [Float](), expectedDB = [Float](repeating: 0, count: nOut)
        var expectedDW = [Float](repeating: 0, count: nIn * nOut), expectedDX = [Float]()
        for r in 0..<rows {
            for j in 0..<nOut {
                var s = Double(b[flat: j])
                for i in 0..<nIn { s += Double(x[flat: r * nIn + i]) * Double(w[flat: i * nOut + j]) }
                expectedY.append(Float(s))
                expectedDB[j] += dy[flat: r * nOut + j]
                for i in 0..<nIn { expectedDW[i * nOut + j] += x[flat: r * nIn + i] * dy[flat: r * nOut + j] }
            }
            for i in 0..<nIn {
                expectedDX.append((0..<nOut).reduce(Float(0)) { $0 + dy[flat: r * nOut + $1] * w[flat: i * nOut + $1] })
            }
        }
        assertClose(y.scalars, expectedY, rtol: 1e-5, atol: 1e-5)
        assertClose(db.scalars, expectedDB, rtol: 1e-4, atol: 1e-4)
        assertClose(dw.scalars, expectedDW, rtol: 1e-4, atol: 1e-4)
        assertClose(dx!.scalars, expectedDX, rtol: 1e-4, atol: 1e-4)
    }
}
