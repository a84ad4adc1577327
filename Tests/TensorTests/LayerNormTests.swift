import Foundation
import TensorCore
import TestSupport
import XCTest

final class LayerNormKernelTests: XCTestCase {
    func testKnownRow() throws {
        let x = Tensor(shape: [1, 4], [1, 2, 3, 4])
        let r = try x.layerNorm(weight: Tensor(shape: [4], [0.5, -1, 2, 1]), bias: Tensor(shape: [4], [0.1, 0.2, -0.3, 0]))
        // mean 2.5, biased variance 1.25, rstd = 1/√(1.25 + 1e-5).
        assertClose(r.output.scalars, [-0.57081771, 0.64721181, 0.59442361, 1.34163542], rtol: 1e-6)
        assertClose(r.mean.scalars, [2.5])
        assertClose(r.rstd.scalars, [0.89442361], rtol: 1e-6)
        XCTAssertEqual(r.mean.shape, [1])
    }

    /// (3, 40, 67): rows split over threads, C not a multiple of 4, a per-row offset that tests the two-pass variance.
    func testForwardAndBackwardMatchFloat64Reference() throws {
        let (rows, c) = (120, 67), shape = [3, 40, 67]
        var x = FusedReference.values(rows * c, std: 3)
        for r in 0..<rows { for j in 0..<c { x[r * c + j] += Float(r) * 10 } }
        let w = FusedReference.values(c, seed: 5), b = FusedReference.values(c, seed: 6)
        let dy = FusedReference.values(rows * c, seed: 7)
        let fwd = try Tensor(shape: shape, x).layerNorm(weight: Tensor(shape: [c], w), bias: Tensor(shape: [c], b))
        let grads = Tensor.layerNormBackward(gradOutput: Tensor(shape: shape, dy), input: Tensor(shape: shape, x),
                                             weight: Tensor(shape: [c], w), mean: fwd.mean, rstd: fwd.rstd)
        var y: [Float] = [], dx: [Float] = []
        var dw = [Double](repeating: 0, count: c), db = [Double](repeating: 0, count: c)
        for (xr, gr) in zip(FusedReference.rows(x, cols: c), FusedReference.rows(dy, cols: c)) {
            let mean = xr.reduce(0, +) / Double(c)
            let rstd = 1 / (xr.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(c) + 1e-5).squareRoot()
            let n = xr.map { ($0 - mean) * rstd }
            y += (0..<c).map { Float(n[$0] * Double(w[$0]) + Double(b[$0])) }
            let g = (0..<c).map { Double(w[$0]) * gr[$0] }
            let meanG = g.reduce(0, +) / Double(c)
            let meanGN = zip(g, n).map { $0 * $1 }.reduce(0, +) / Double(c)
            dx += (0..<c).map { Float(rstd * (g[$0] - meanG - n[$0] * meanGN)) }
            for j in 0..<c { dw[j] += gr[j] * n[j]; db[j] += gr[j] }
        }
        assertClose(fwd.output.scalars, y, rtol: 1e-4, atol: 1e-4)
        assertClose(grads.input.scalars, dx, rtol: 1e-3, atol: 1e-4)
        assertClose(grads.weight.scalars, dw.map(Float.init), rtol: 1e-4, atol: 1e-3)
        assertClose(grads.bias.scalars, db.map(Float.init), rtol: 1e-4, atol: 1e-3)
        XCTAssertEqual(fwd.mean.shape, [3, 40])
    }

    func testMismatchedWeightThrowsNamingShapes() {
        XCTAssertThrowsError(try Tensor.zeros([2, 4]).layerNorm(weight: .ones([3]), bias: .zeros([4]))) { error in
            XCTAssertEqual("\(error)", "layerNorm: shape mismatch: input [2, 4] needs weight and bias of shape [4], got [3] and [4]")
        }
    }
}
