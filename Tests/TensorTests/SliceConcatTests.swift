import TensorCore
import TestSupport
import XCTest

final class SliceConcatTests: XCTestCase {
    func testSliceAlongEachAxis() throws {
        let x = randomTensor([4, 5, 6], seed: 51)
        for axis in 0..<3 {
            let range = 1..<(x.shape[axis] - 1)
            let y = try x.sliced(axis: axis, range: range)
            var outShape = x.shape
            outShape[axis] = range.count
            XCTAssertEqual(y.shape, outShape)
            let expected = (0..<y.count).map { flat -> Float in
                var idx = unravel(flat, outShape)
                idx[axis] += range.lowerBound
                return x[flat: ravel(idx, x.shape)]
            }
            XCTAssertEqual(y.scalars, expected, "axis \(axis)")
        }
    }

    func testAssignSliceWritesOnlyTheRange() throws {
        var x = Tensor.zeros([2, 5, 3])
        let src = randomTensor([2, 2, 3], seed: 52)
        try x.assignSlice(axis: 1, start: 2, src)
        for flat in 0..<x.count {
            var idx = unravel(flat, x.shape)
            let inside = (2..<4).contains(idx[1])
            idx[1] -= 2
            XCTAssertEqual(x[flat: flat], inside ? src[flat: ravel(idx, src.shape)] : 0)
        }
        XCTAssertThrowsError(try x.assignSlice(axis: 1, start: 4, src))
        XCTAssertThrowsError(try x.assignSlice(axis: 1, start: 0, Tensor.zeros([2, 2, 4])))
    }

    func testConcatAlongEachAxisMatchesNaive() throws {
        for axis in 0..<3 {
            var shapes = [[2, 3, 4], [2, 3, 4], [2, 3, 4]]
            for (i, n) in [1, 3, 2].enumerated() { shapes[i][axis] = n }
            let parts = shapes.enumerated().map { randomTensor($1, seed: 53 + UInt64($0)) }
            let y = try Tensor.concat(parts, axis: axis)
            var outShape = [2, 3, 4]
            outShape[axis] = 6
            XCTAssertEqual(y.shape, outShape)
            let expected = (0..<y.count).map { flat -> Float in
                var idx = unravel(flat, outShape)
                var part = 0
                while idx[axis] >= parts[part].shape[axis] { idx[axis] -= parts[part].shape[axis]; part += 1 }
                return parts[part][flat: ravel(idx, parts[part].shape)]
            }
            XCTAssertEqual(y.scalars, expected, "axis \(axis)")
        }
    }

    func testBadInputsThrowWithShapes() {
        let x = Tensor.zeros([2, 3])
        XCTAssertThrowsError(try x.sliced(axis: 1, range: 2..<4)) {
            XCTAssertEqual(String(describing: $0), "slice: range 2..<4 out of bounds for axis 1 of [2, 3]")
        }
        XCTAssertThrowsError(try Tensor.concat([x, Tensor.zeros([3, 3])], axis: 1)) {
            XCTAssertEqual(String(describing: $0), "concat: shape mismatch: [2, 3] and [3, 3] differ off axis 1")
        }
        XCTAssertThrowsError(try Tensor.concat([x, Tensor.zeros([2, 3, 1])], axis: 0))
        XCTAssertThrowsError(try Tensor.concat([], axis: 0))
    }
}
