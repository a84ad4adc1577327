import Autograd
import Models
import TensorCore
import TestSupport
import XCTest

final class HiddenStatesTests: XCTestCase {
    let config = GPTConfig(vocabSize: 40, nPositions: 12, nEmbd: 16, nLayer: 2, nHead: 4)

    /// The head applied to the last hidden states gives the logits: h (B, T, C) · wteᵀ, checked with a naive loop.
    func testHiddenStatesFeedTheHead() throws {
        let model = try GPT(config, seed: 3)
        let ids: [Int32] = [1, 5, 9, 2, 7, 7, 3, 0]
        let h = try model.lastHiddenStates(ids, batch: 2).value
        XCTAssertEqual(h.shape, [2, 4, 16])
        let logits = try model.logits(ids, batch: 2).value.scalars
        let w = model.wte.value.scalars, hs = h.scalars
        var expected = [Float](repeating: 0, count: 8 * 40)
        for row in 0..<8 { for v in 0..<40 { for c in 0..<16 { expected[row * 40 + v] += hs[row * 16 + c] * w[v * 16 + c] } } }
        assertClose(logits, expected, rtol: 1e-4, atol: 1e-5)
    }

    /// meanEmbedding is the mean over positions of the last hidden states, and batching shorter sequences with
    /// right padding gives the same vectors as embedding each one alone; `from` averages a suffix only.
    func testMeanEmbeddingAndPaddingInvariance() throws {
        let model = try GPT(config, seed: 4)
        let a: [Int32] = [3, 1, 4, 1, 5], b: [Int32] = [9, 2], c: [Int32] = [6, 5, 3, 5, 8, 9, 7]
        let h = try model.lastHiddenStates(a, batch: 1).value.scalars
        let manual = (0..<16).map { j in (0..<5).reduce(Float(0)) { $0 + h[$1 * 16 + j] } / 5 }
        assertClose(try model.meanEmbedding(a), manual, rtol: 1e-5, atol: 1e-6)
        let batched = try model.meanEmbeddings([a, b, c], batchSize: 3)
        for (seq, vector) in zip([a, b, c], batched) {
            assertClose(vector, try model.meanEmbedding(seq), rtol: 1e-4, atol: 1e-5)
        }
        let tail = (0..<16).map { j in (2..<5).reduce(Float(0)) { $0 + h[$1 * 16 + j] } / 3 }
        assertClose(try model.meanEmbeddings([b, a], from: [0, 2], batchSize: 2)[1], tail, rtol: 1e-4, atol: 1e-5)
        XCTAssertThrowsError(try model.meanEmbeddings([a], from: [5]))
        XCTAssertThrowsError(try model.meanEmbeddings([a, []])) { XCTAssertTrue("\($0)".contains("sequence 1 is empty"), "\($0)") }
    }
}
