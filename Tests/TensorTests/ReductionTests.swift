import TensorCore
import TestSupport
import XCTest

final class ReductionTests: XCTestCase {
    /// Naive reduction along `axis` of a (…, n, …) tensor: each output element folds its n inputs in order.
    private func naive(_ x: Tensor, axis: Int, _ fold: ([Float]) -> Float) -> [Float] {
        var outShape = x.shape
        outShape[axis] = 1
        return (0..<outShape.reduce(1, *)).map { flat in
            var idx = unravel(flat, outShape)
            return fold((0..<x.shape[axis]).map { j in idx[axis] = j; return x[flat: ravel(idx, x.shape)] })
        }
    }

    private let sumOf: ([Float]) -> Float = { Float($0.reduce(0.0) { $0 + Double($1) }) }
    private let maxOf: ([Float]) -> Float = { $0.max()! }

    func testOverall() throws {
        let x = randomTensor([3, 5, 7], seed: 31)
        XCTAssertEqual(x.sum().shape, [])
        assertClose(x.sum().item, sumOf(x.scalars), rtol: 1e-6, atol: 1e-6)
        assertClose(x.mean().item, sumOf(x.scalars) / 105, rtol: 1e-6, atol: 1e-6)
        assertClose(try x.max().item, x.scalars.max()!, rtol: 0, atol: 0)
    }

    /// A million elements summed in blocks stay within Float rounding of the Double sum.
    func testLongSumIsAccurate() {
        let x = randomTensor([1_000_003], seed: 32, low: 0, high: 1)
        assertClose(x.sum().item, sumOf(x.scalars), rtol: 1e-6, atol: 0)
    }

    func testAlongEveryAxis() throws {
        let x = randomTensor([3, 5, 7], seed: 33)
        for axis in 0..<3 {
            var kept = x.shape
            kept[axis] = 1
            var dropped = x.shape
            dropped.remove(at: axis)
            let s = try x.sum(axis: axis), sk = try x.sum(axis: axis, keepDims: true)
            XCTAssertEqual(s.shape, dropped)
            XCTAssertEqual(sk.shape, kept)
            assertClose(s.scalars, naive(x, axis: axis, sumOf), rtol: 1e-6, atol: 1e-6, "sum axis \(axis)")
            assertClose(try x.mean(axis: axis).scalars, naive(x, axis: axis, sumOf).map { $0 / Float(x.shape[axis]) },
                        rtol: 1e-6, atol: 1e-6, "mean axis \(axis)")
            assertClose(try x.max(axis: axis, keepDims: true).scalars, naive(x, axis: axis, maxOf), rtol: 0, atol: 0, "max axis \(axis)")
        }
        assertClose(try x.sum(axis: -1).scalars, naive(x, axis: 2, sumOf), rtol: 1e-6, atol: 1e-6, "negative axis")
    }

    /// Few outer rows and many columns: the columns are split over threads.
    func testColumnSplitForBiasShapedReduction() throws {
        let x = randomTensor([512, 300], seed: 34)
        assertClose(try x.sum(axis: 0).scalars, naive(x, axis: 0, sumOf), rtol: 1e-5, atol: 1e-5)
        assertClose(try x.max(axis: 0).scalars, naive(x, axis: 0, maxOf), rtol: 0, atol: 0)
        assertClose(try x.sum(axis: 1).scalars, naive(x, axis: 1, sumOf), rtol: 1e-5, atol: 1e-5)
    }

    func testArgmaxTakesFirstOfTiesAndBackwardRoutesThere() throws {
        let x = Tensor(shape: [2, 4], [1, 5, 5, 2,
                                       7, 0, 7, 7])
        let (values, arg) = try x.maxWithArgmax(axis: 1)
        XCTAssertEqual(values.scalars, [5, 7])
        XCTAssertEqual(arg, [1, 0])
        let g = Tensor(shape: [2], [10, 20])
        XCTAssertEqual(try Tensor.maxBackward(g, argmax: arg, inputShape: [2, 4], axis: 1).scalars,
                       [0, 10, 0, 0, 20, 0, 0, 0])
        let (_, col) = try x.maxWithArgmax(axis: 0, keepDims: true)
        XCTAssertEqual(col, [1, 0, 1, 1])
    }

    /// Rows long enough for the vectorised path: the first of two equal maxima wins, wherever the tie falls.
    func testLongRowArgmaxTakesFirstOfTies() throws {
        for (first, second) in [(37, 80), (0, 99), (15, 16), (98, 99)] {
            var values = randomTensor([100], seed: 35).scalars
            values[first] = 2
            values[second] = 2
            let (m, arg) = try Tensor(shape: [1, 100], values).maxWithArgmax(axis: 1)
            XCTAssertEqual(m.scalars, [2])
            XCTAssertEqual(arg, [first])
        }
        let x = randomTensor([512, 300], seed: 36)
        assertClose(try x.max(axis: 1).scalars, naive(x, axis: 1, maxOf), rtol: 0, atol: 0)
    }

    func testBadAxesThrow() {
        let x = Tensor.zeros([2, 3])
        XCTAssertThrowsError(try x.sum(axis: 2)) { XCTAssertEqual(String(describing: $0), "sum: axis 2 out of range for rank 2") }
        XCTAssertThrowsError(try x.max(axis: -3))
        XCTAssertThrowsError(try Tensor.zeros([2, 0]).max(axis: 1)) {
            XCTAssertEqual(String(describing: $0), "max: axis 1 of [2, 0] is empty")
        }
        XCTAssertThrowsError(try Tensor.zeros([0]).max())
    }
}
