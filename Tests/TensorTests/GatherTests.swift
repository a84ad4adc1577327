import TensorCore
import TestSupport
import XCTest

final class GatherTests: XCTestCase {
    private let weight = randomTensor([10, 6], seed: 61)
    private let ids: [Int32] = [3, 0, 9, 3, 3, 7]     // shape (2, 3), id 3 repeated

    func testLookupCopiesRows() throws {
        let y = try Tensor.embedding(weight, ids: ids, shape: [2, 3])
        XCTAssertEqual(y.shape, [2, 3, 6])
        let expected = ids.flatMap { id in (0..<6).map { weight[flat: Int(id) * 6 + $0] } }
        XCTAssertEqual(y.scalars, expected)
    }

    func testBackwardScatterAddsRepeatedIds() throws {
        let g = randomTensor([2, 3, 6], seed: 62)
        var grad = randomTensor([10, 6], seed: 63)           // accumulates on top of what is there
        var expected = grad.scalars
        for (i, id) in ids.enumerated() { for c in 0..<6 { expected[Int(id) * 6 + c] += g[flat: i * 6 + c] } }
        try Tensor.embeddingBackward(g, ids: ids, into: &grad)
        assertClose(grad.scalars, expected, rtol: 1e-6, atol: 1e-7)
    }

    /// Wide rows are split over threads by columns; repeated ids must still all add up.
    func testWideBackwardMatchesNaive() throws {
        let (v, c) = (50, 256)
        var rng = SeededGenerator(seed: 64)
        let manyIds = (0..<400).map { _ in Int32(rng.nextInt(below: v)) }
        let g = randomTensor([400, c], seed: 65)
        var grad = Tensor.zeros([v, c])
        var expected = [Float](repeating: 0, count: v * c)
        for (i, id) in manyIds.enumerated() { for j in 0..<c { expected[Int(id) * c + j] += g[flat: i * c + j] } }
        try Tensor.embeddingBackward(g, ids: manyIds, into: &grad)
        assertClose(grad.scalars, expected, rtol: 1e-5, atol: 1e-5)
    }

    func testOutOfRangeIdsAreRejectedByName() {
        XCTAssertThrowsError(try Tensor.embedding(weight, ids: [1, 10], shape: [2])) {
            XCTAssertEqual(String(describing: $0), "embedding: id 10 at position 1 is out of range for vocabulary size V = 10")
        }
        XCTAssertThrowsError(try Tensor.embedding(weight, ids: [-1], shape: [1])) {
            XCTAssertTrue(String(describing: $0).contains("id -1"))
        }
        var grad = Tensor.zeros([10, 6])
        XCTAssertThrowsError(try Tensor.embeddingBackward(Tensor.zeros([1, 6]), ids: [12], into: &grad))
        XCTAssertThrowsError(try Tensor.embedding(weight, ids: [1, 2, 3], shape: [2, 2])) {
            XCTAssertEqual(String(describing: $0), "embedding: shape mismatch: 3 ids do not fill shape [2, 2]")
        }
        XCTAssertThrowsError(try Tensor.embedding(Tensor.zeros([10]), ids: [1], shape: [1]))
    }
}
