import Autograd
import TensorCore
import XCTest

final class ReductionGradTests: XCTestCase {
    private let x = randomTensor([2, 3, 4], seed: 500)

    /// Values spaced 0.1 apart in shuffled order: no two within 2ε, so ±ε never changes which one is the max.
    private func distinct(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, (0..<n).map { Float($0) * 0.1 - 1 }.shuffled(using: &rng))
    }

    func testSumAndMean() throws {
        try assertGradcheck([x]) { v in v[0].sum() }
        try assertGradcheck([x]) { v in v[0].mean() }
        for axis in [0, 1, 2, -1] {
            for keep in [false, true] {
                try assertGradcheck([x], "sum axis \(axis) keepDims \(keep)") { v in try v[0].sum(axis: axis, keepDims: keep) }
                try assertGradcheck([x], "mean axis \(axis) keepDims \(keep)") { v in try v[0].mean(axis: axis, keepDims: keep) }
            }
        }
    }

    func testMax() throws {
        let d = distinct([2, 3, 4], seed: 501)
        try assertGradcheck([d]) { v in try v[0].max() }
        for axis in [0, 1, 2] {
            for keep in [false, true] {
                try assertGradcheck([d], "max axis \(axis) keepDims \(keep)") { v in try v[0].max(axis: axis, keepDims: keep) }
            }
        }
    }

    func testBadAxisThrows() {
        let v = Variable(x, requiresGrad: true)
        XCTAssertThrowsError(try v.sum(axis: 3))
        XCTAssertThrowsError(try v.mean(axis: -4))
        XCTAssertThrowsError(try v.max(axis: 5))
    }
}
