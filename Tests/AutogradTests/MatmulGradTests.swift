import Autograd
import TensorCore
import XCTest

final class MatmulGradTests: XCTestCase {
    private let (m, n, k) = (3, 4, 2)

    private func stored(_ rows: Int, _ cols: Int, _ transposed: Bool) -> [Int] { transposed ? [cols, rows] : [rows, cols] }

    /// Runs gradcheck on every transpose combination for a given batch prefix of a and of b.
    private func checkAll(batchA: [Int], batchB: [Int], _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        for transA in [false, true] {
            for transB in [false, true] {
                let a = randomTensor(batchA + stored(m, k, transA), seed: 600)
                let b = randomTensor(batchB + stored(k, n, transB), seed: 601)
                try assertGradcheck([a, b], "\(label) transA \(transA) transB \(transB)", file: file, line: line) { v in
                    try Variable.matmul(v[0], v[1], transposeA: transA, transposeB: transB)
                }
            }
        }
    }

    func testTwoDimensional() throws { try checkAll(batchA: [], batchB: [], "2-D") }
    func testBatched() throws { try checkAll(batchA: [2], batchB: [2], "batched") }
    func testSharedRightOperand() throws { try checkAll(batchA: [2], batchB: [], "shared b") }
    func testSharedRightOperandRank4() throws { try checkAll(batchA: [2, 2], batchB: [], "shared b, rank 4") }

    func testShapeErrorsThrow() {
        let a = Variable(Tensor.zeros([2, 3]), requiresGrad: true), b = Variable(Tensor.zeros([2, 3]))
        XCTAssertThrowsError(try Variable.matmul(a, b))
        XCTAssertNoThrow(try Variable.matmul(a, b, transposeB: true))
    }
}
