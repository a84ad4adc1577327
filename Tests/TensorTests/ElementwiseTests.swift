import TensorCore
import TestSupport
import XCTest

final class ElementwiseTests: XCTestCase {
    /// Every op on one pair of shapes against the naive broadcast loop.
    private func checkAllOps(_ sa: [Int], _ sb: [Int], _ expectedShape: [Int], file: StaticString = #filePath, line: UInt = #line) throws {
        let a = randomTensor(sa, seed: 1)
        let b = randomTensor(sb, seed: 2, low: 0.5, high: 2)   // away from 0 for div
        let ops: [(String, (Tensor, Tensor) throws -> Tensor, (Float, Float) -> Float)] = [
            ("add", Tensor.add, { $0 + $1 }), ("sub", Tensor.sub, { $0 - $1 }),
            ("mul", Tensor.mul, { $0 * $1 }), ("div", Tensor.div, { $0 / $1 }),
        ]
        for (name, op, f) in ops {
            let y = try op(a, b)
            XCTAssertEqual(y.shape, expectedShape, "\(name) \(sa) \(sb)", file: file, line: line)
            assertClose(y.scalars, naiveBroadcast(a, b, expectedShape, f), rtol: 1e-6, atol: 0, "\(name) \(sa) \(sb)",
                        file: file, line: line)
            let swapped = try op(b, a)
            assertClose(swapped.scalars, naiveBroadcast(b, a, expectedShape, f), rtol: 1e-6, atol: 0, "\(name) \(sb) \(sa)",
                        file: file, line: line)
        }
    }

    func testSameShape() throws { try checkAllOps([2, 3, 4], [2, 3, 4], [2, 3, 4]) }
    func testRowVectorOverLastAxis() throws { try checkAllOps([2, 3, 4], [4], [2, 3, 4]) }
    func testTrailingMatrix() throws { try checkAllOps([2, 3, 4], [3, 4], [2, 3, 4]) }
    func testBothOperandsStretch() throws { try checkAllOps([2, 1, 4], [3, 1], [2, 3, 4]) }
    func testColumnTimesRow() throws { try checkAllOps([3, 1], [1, 4], [3, 4]) }
    func testScalarShaped() throws {
        try checkAllOps([2, 3], [], [2, 3])
        try checkAllOps([2, 3], [1], [2, 3])
        try checkAllOps([], [], [])
    }
    func testGeneralStridedRank4() throws { try checkAllOps([2, 1, 3, 1], [1, 4, 1, 5], [2, 4, 3, 5]) }
    func testMiddleAxisBroadcast() throws { try checkAllOps([5, 6, 7], [5, 1, 7], [5, 6, 7]) }

    /// Large enough to be split over threads (65,536 and 98,304 elements).
    func testLargeShapesTakeParallelPaths() throws {
        try checkAllOps([64, 1024], [1024], [64, 1024])
        try checkAllOps([96, 1024], [96, 1024], [96, 1024])
        try checkAllOps([8, 96, 128], [8, 1, 128], [8, 96, 128])
    }

    func testMismatchThrowsNamingBothShapes() {
        XCTAssertThrowsError(try Tensor.add(Tensor.zeros([2, 3]), Tensor.zeros([4]))) { error in
            let message = String(describing: error)
            XCTAssertEqual(message, "add: shape mismatch: [2, 3] and [4] do not broadcast")
        }
        XCTAssertThrowsError(try Tensor.div(Tensor.zeros([2, 3, 4]), Tensor.zeros([3, 3]))) { error in
            XCTAssertTrue(String(describing: error).contains("[2, 3, 4] and [3, 3]"), "\(error)")
        }
    }

    func testExpandedRepeatsAlongBroadcastAxes() throws {
        let x = randomTensor([3, 1], seed: 3)
        let y = try x.expanded(to: [2, 3, 4])
        XCTAssertEqual(y.shape, [2, 3, 4])
        assertClose(y.scalars, naiveBroadcast(x, x, [2, 3, 4]) { a, _ in a }, rtol: 0, atol: 0)
        XCTAssertThrowsError(try x.expanded(to: [2, 2]))
        XCTAssertThrowsError(try Tensor.zeros([3, 2]).expanded(to: [3, 1]))
    }

    func testScalarOps() {
        let x = randomTensor([5, 7], seed: 4)
        assertClose(Tensor.add(x, 2.5).scalars, x.scalars.map { $0 + 2.5 }, rtol: 0, atol: 0)
        assertClose(Tensor.mul(x, -3).scalars, x.scalars.map { $0 * -3 }, rtol: 0, atol: 0)
        assertClose(x.neg().scalars, x.scalars.map { -$0 }, rtol: 0, atol: 0)
    }
}
