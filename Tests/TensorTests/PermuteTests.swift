import TensorCore
import TestSupport
import XCTest

final class PermuteTests: XCTestCase {
    /// Naive: out[i0, i1, …] = x[j] with j[axes[k]] = i[k].
    private func naive(_ x: Tensor, _ axes: [Int]) -> [Float] {
        let outShape = axes.map { x.shape[$0] }
        return (0..<x.count).map { flat in
            let i = unravel(flat, outShape)
            var j = [Int](repeating: 0, count: axes.count)
            for k in axes.indices { j[axes[k]] = i[k] }
            return x[flat: ravel(j, x.shape)]
        }
    }

    func testEveryPermutationOfRank4() throws {
        let x = randomTensor([2, 3, 4, 5], seed: 41)
        func permutations(_ xs: [Int]) -> [[Int]] {
            xs.count <= 1 ? [xs] : xs.flatMap { h in permutations(xs.filter { $0 != h }).map { [h] + $0 } }
        }
        for axes in permutations([0, 1, 2, 3]) {
            let y = try x.permuted(axes)
            XCTAssertEqual(y.shape, axes.map { x.shape[$0] })
            XCTAssertEqual(y.scalars, naive(x, axes), "\(axes)")
        }
    }

    func testTransposeOfTwoAxes() throws {
        let x = randomTensor([4, 6, 8, 16], seed: 42)    // (B, T, H, D) -> (B, H, T, D)
        XCTAssertEqual(try x.transposed(1, 2).scalars, naive(x, [0, 2, 1, 3]))
        XCTAssertEqual(try x.transposed(-1, -2).scalars, naive(x, [0, 1, 3, 2]))
        let big = randomTensor([300, 500], seed: 43)
        XCTAssertEqual(try big.transposed(0, 1).scalars, naive(big, [1, 0]))
    }

    func testRejectsNonPermutations() {
        let x = Tensor.zeros([2, 3, 4])
        XCTAssertThrowsError(try x.permuted([0, 0, 1])) {
            XCTAssertEqual(String(describing: $0), "permute: [0, 0, 1] is not a permutation of the axes of [2, 3, 4]")
        }
        XCTAssertThrowsError(try x.permuted([0, 1]))
        XCTAssertThrowsError(try x.transposed(0, 3))
    }
}
