import TensorCore
import TestSupport
import XCTest

final class MatmulTests: XCTestCase {
    private let (m, n, k) = (5, 7, 3)

    private func stored(_ rows: Int, _ cols: Int, transposed: Bool) -> [Int] { transposed ? [cols, rows] : [rows, cols] }

    func testAllTransposeCombinations() throws {
        for transA in [false, true] {
            for transB in [false, true] {
                let a = randomTensor(stored(m, k, transposed: transA), seed: 71)
                let b = randomTensor(stored(k, n, transposed: transB), seed: 72)
                let c = try Tensor.matmul(a, b, transposeA: transA, transposeB: transB)
                XCTAssertEqual(c.shape, [m, n])
                assertClose(c.scalars, naiveMatmul(a.scalars, b.scalars, m: m, n: n, k: k, transA: transA, transB: transB),
                            rtol: 1e-5, atol: 1e-6, "transA \(transA) transB \(transB)")
            }
        }
    }

    func testBatchedAndSharedRightOperand() throws {
        let batch = 4
        for transA in [false, true] {
            for transB in [false, true] {
                let a = randomTensor([2, 2] + stored(m, k, transposed: transA), seed: 73)
                let bBatched = randomTensor([2, 2] + stored(k, n, transposed: transB), seed: 74)
                let bShared = randomTensor(stored(k, n, transposed: transB), seed: 75)
                let cb = try Tensor.matmul(a, bBatched, transposeA: transA, transposeB: transB)
                let cs = try Tensor.matmul(a, bShared, transposeA: transA, transposeB: transB)
                XCTAssertEqual(cb.shape, [2, 2, m, n])
                XCTAssertEqual(cs.shape, [2, 2, m, n])
                var expectedB: [Float] = [], expectedS: [Float] = []
                for i in 0..<batch {
                    let ai = Array(a.scalars[i * m * k..<(i + 1) * m * k])
                    let bi = Array(bBatched.scalars[i * k * n..<(i + 1) * k * n])
                    expectedB += naiveMatmul(ai, bi, m: m, n: n, k: k, transA: transA, transB: transB)
                    expectedS += naiveMatmul(ai, bShared.scalars, m: m, n: n, k: k, transA: transA, transB: transB)
                }
                assertClose(cb.scalars, expectedB, rtol: 1e-5, atol: 1e-6, "batched transA \(transA) transB \(transB)")
                assertClose(cs.scalars, expectedS, rtol: 1e-5, atol: 1e-6, "shared transA \(transA) transB \(transB)")
            }
        }
    }

    func testMismatchedInnerExtentsThrowNamingShapes() {
        XCTAssertThrowsError(try Tensor.matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5]))) {
            let message = String(describing: $0)
            XCTAssertTrue(message.contains("[2, 3]") && message.contains("[4, 5]"), message)
        }
        XCTAssertThrowsError(try Tensor.matmul(Tensor.zeros([2, 2, 3]), Tensor.zeros([3, 3, 4]))) {
            XCTAssertEqual(String(describing: $0), "matmul: shape mismatch: batch axes differ: [2] vs [3]")
        }
    }
}
