import TensorCore
import TestSupport
import XCTest

final class SumToShapeTests: XCTestCase {
    /// Naive: every element of g adds into the element of `shape` that broadcasting would have read.
    private func naive(_ g: Tensor, _ shape: [Int]) -> [Float] {
        var out = [Double](repeating: 0, count: shape.reduce(1, *))
        for flat in 0..<g.count { out[broadcastSource(unravel(flat, g.shape), shape)] += Double(g[flat: flat]) }
        return out.map { Float($0) }
    }

    func testReducesEveryBroadcastPattern() throws {
        let g = randomTensor([2, 3, 4], seed: 11)
        for shape in [[2, 3, 4], [4], [3, 4], [3, 1], [2, 1, 4], [1, 3, 1], [2, 1, 1], [1], [], [1, 1, 4]] {
            let r = try Tensor.sumToShape(g, shape)
            XCTAssertEqual(r.shape, shape)
            assertClose(r.scalars, naive(g, shape), rtol: 1e-5, atol: 1e-6, "\(shape)")
        }
    }

    func testBiasGradientShapeOnLargeInput() throws {
        let g = randomTensor([16, 64, 96], seed: 12)
        let r = try Tensor.sumToShape(g, [96])
        assertClose(r.scalars, naive(g, [96]), rtol: 1e-4, atol: 1e-4)
    }

    func testRejectsShapesThatDoNotBroadcast() {
        XCTAssertThrowsError(try Tensor.sumToShape(Tensor.zeros([2, 3]), [2])) { error in
            XCTAssertEqual(String(describing: error), "sumToShape: shape mismatch: cannot reduce [2, 3] to [2]")
        }
        XCTAssertThrowsError(try Tensor.sumToShape(Tensor.zeros([3]), [2, 3]))
    }
}
