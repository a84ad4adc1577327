import Autograd
import TensorCore
import TestSupport
import XCTest

final class ArithmeticGradTests: XCTestCase {
    /// Shape pairs covering same shape, row broadcast (both orders), two-sided stretch and scalar operands.
    private let shapePairs: [([Int], [Int])] = [
        ([3, 4], [3, 4]), ([2, 3, 4], [4]), ([4], [2, 3, 4]), ([2, 1, 4], [3, 1]), ([2, 3], []), ([1], [2, 3]),
    ]

    func testAddSubMulDivWithBroadcasting() throws {
        for (i, (sa, sb)) in shapePairs.enumerated() {
            let a = randomTensor(sa, seed: 100 + UInt64(i))
            let b = randomTensor(sb, seed: 200 + UInt64(i), low: 0.5, high: 2)   // positive divisor
            try assertGradcheck([a, b], "add \(sa) \(sb)") { v in try v[0] + v[1] }
            try assertGradcheck([a, b], "sub \(sa) \(sb)") { v in try v[0] - v[1] }
            try assertGradcheck([a, b], "mul \(sa) \(sb)") { v in try v[0] * v[1] }
            try assertGradcheck([a, b], "div \(sa) \(sb)") { v in try v[0] / v[1] }
        }
    }

    func testSameVariableOnBothSides() throws {
        try assertGradcheck([randomTensor([3, 2], seed: 300)]) { v in try v[0] * v[0] }
    }

    func testScalarFormsAndNegation() throws {
        let x = randomTensor([2, 5], seed: 301)
        try assertGradcheck([x]) { v in v[0] + 2.5 }
        try assertGradcheck([x]) { v in 2.5 + v[0] }
        try assertGradcheck([x]) { v in v[0] * -3 }
        try assertGradcheck([x]) { v in 0.5 * v[0] }
        try assertGradcheck([x]) { v in -v[0] }
        try assertGradcheck([x]) { v in v[0].neg() }
        assertClose((Variable(x) * 4 + 1).value.scalars, x.scalars.map { $0 * 4 + 1 }, rtol: 0, atol: 0)
    }

    func testForwardValuesAndShapeErrors() throws {
        let a = Variable(randomTensor([2, 3], seed: 302)), b = Variable(randomTensor([3], seed: 303))
        XCTAssertEqual(try (a + b).value.scalars, try Tensor.add(a.value, b.value).scalars)
        XCTAssertThrowsError(try a * Variable(Tensor.zeros([2]))) {
            XCTAssertEqual(String(describing: $0), "mul: shape mismatch: [2, 3] and [2] do not broadcast")
        }
    }
}
