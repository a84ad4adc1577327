import Autograd
import TensorCore
import XCTest

final class EmbeddingGradTests: XCTestCase {
    private let ids: [Int32] = [1, 4, 1, 0, 1, 2]   // shape (2, 3); id 1 three times, id 3 never

    func testWeightGradientWithRepeatedIds() throws {
        let w = randomTensor([5, 3], seed: 800)
        try assertGradcheck([w]) { v in try Variable.embedding(weight: v[0], ids: ids, shape: [2, 3]) }
    }

    /// GPT's tied weights: the same (V, C) table embeds the ids and projects back to logits, so both uses
    /// must add into one gradient.
    func testTiedEmbeddingAndOutputProjection() throws {
        let w = randomTensor([5, 3], seed: 801)
        try assertGradcheck([w]) { v in
            let h = try Variable.embedding(weight: v[0], ids: ids, shape: [2, 3])
            return try Variable.matmul(h.tanh(), v[0], transposeB: true)
        }
    }

    func testUnusedRowsGetZeroAndOutOfRangeThrows() throws {
        let w = Variable(randomTensor([5, 3], seed: 802), requiresGrad: true)
        try Variable.embedding(weight: w, ids: ids, shape: [2, 3]).sum().backward()
        XCTAssertEqual(w.grad?.scalars, [1, 1, 1, 3, 3, 3, 1, 1, 1, 0, 0, 0, 1, 1, 1])
        XCTAssertThrowsError(try Variable.embedding(weight: w, ids: [5], shape: [1])) {
            XCTAssertEqual(String(describing: $0), "embedding: id 5 at position 0 is out of range for vocabulary size V = 5")
        }
    }
}
