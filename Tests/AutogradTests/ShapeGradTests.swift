import Autograd
import TensorCore
import XCTest

final class ShapeGradTests: XCTestCase {
    private let x = randomTensor([2, 3, 4], seed: 700)

    func testReshapeTransposePermute() throws {
        try assertGradcheck([x]) { v in try v[0].reshaped([6, -1]) }
        try assertGradcheck([x]) { v in try v[0].transposed(0, 2) }
        try assertGradcheck([x]) { v in try v[0].transposed(-1, -2) }
        try assertGradcheck([x]) { v in try v[0].permuted([2, 0, 1]) }
        try assertGradcheck([x]) { v in try v[0].permuted([-1, 0, -2]) }
    }

    func testSlice() throws {
        for axis in 0..<3 {
            try assertGradcheck([x], "axis \(axis)") { v in try v[0].sliced(axis: axis, range: 1..<2) }
        }
        try assertGradcheck([x]) { v in try v[0].sliced(axis: 2, range: 0..<3) }
    }

    func testConcat() throws {
        let parts = [randomTensor([2, 1, 4], seed: 701), randomTensor([2, 3, 4], seed: 702), randomTensor([2, 2, 4], seed: 703)]
        try assertGradcheck(parts) { v in try Variable.concat(v, axis: 1) }
        try assertGradcheck([x, x]) { v in try Variable.concat(v, axis: -1) }
    }

    func testSliceThenConcatRoutesEachPart() throws {
        // Splitting and re-joining in swapped order: each half's gradient must land in its own place.
        try assertGradcheck([x]) { v in
            try Variable.concat([v[0].sliced(axis: 2, range: 2..<4), v[0].sliced(axis: 2, range: 0..<2) * 3], axis: 2)
        }
    }

    func testBadArgumentsThrow() {
        let v = Variable(x, requiresGrad: true)
        XCTAssertThrowsError(try v.reshaped([5, 5]))
        XCTAssertThrowsError(try v.transposed(0, 3))
        XCTAssertThrowsError(try v.permuted([0, 1]))
        XCTAssertThrowsError(try v.sliced(axis: 1, range: 0..<4))
        XCTAssertThrowsError(try Variable.concat([v, Variable(Tensor.zeros([2, 3]))], axis: 0))
    }
}
