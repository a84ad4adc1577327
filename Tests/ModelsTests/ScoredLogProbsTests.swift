import Autograd
import Models
import TensorCore
import TestSupport
import XCTest

/// `scoredLogProbs` (head only at scored positions, fused and chunked) against the full logits followed by
/// `targetLogProbs`, for both families: values and every parameter's gradient to 1e-5.
final class ScoredLogProbsTests: XCTestCase {
    static func gpt() throws -> GPT { try GPT(GPTConfig(vocabSize: 61, nPositions: 16, nEmbd: 16, nLayer: 2, nHead: 4), seed: 11) }
    static func llama(tied: Bool) throws -> Llama {
        try Llama(LlamaConfig(vocabSize: 67, hiddenSize: 16, intermediateSize: 24, numLayers: 2, numHeads: 4, numKeyValueHeads: 2,
                              tieWordEmbeddings: tied), seed: 12)
    }

    /// Two rows of 7 tokens; only the last three positions of each row are scored (a response).
    static let ids: [Int32] = [3, 9, 14, 1, 5, 8, 2, 7, 7, 30, 11, 4, 6, 19]
    static let targets: [Int32] = [-100, -100, -100, 5, 8, 2, -100, -100, -100, -100, 4, 6, 19, -100]

    func check(_ model: any CausalLanguageModel, file: StaticString = #filePath, line: UInt = #line) throws {
        let seed = Tensor(shape: [14], (0..<14).map { Float($0 % 5) - 1.5 })
        func run(fused: Bool) throws -> ([Float], [[Float]]) {
            model.parameters.forEach { $0.zeroGrad() }
            let out = fused ? try model.scoredLogProbs(Self.ids, targets: Self.targets, batch: 2)
                : try Variable.targetLogProbs(logits: model.logits(Self.ids, batch: 2), targets: Self.targets)
            out.backward(seed: seed)
            return (out.value.scalars, model.parameters.map { $0.grad?.scalars ?? [] })
        }
        let (composed, composedGrads) = try run(fused: false)
        let (fused, fusedGrads) = try run(fused: true)
        assertClose(fused, composed, rtol: 1e-5, atol: 1e-5, "log-probs", file: file, line: line)
        for (i, (f, c)) in zip(fusedGrads, composedGrads).enumerated() {
            assertClose(f, c, rtol: 1e-5, atol: 1e-6, "gradient of parameter \(i)", file: file, line: line)
        }
        let loss = try model.scoredLoss(Self.ids, targets: Self.targets, batch: 2).value.item
        let reference = try model.loss(Self.ids, targets: Self.targets, batch: 2).value.item
        assertClose(loss, reference, rtol: 1e-5, atol: 1e-6, "mean cross-entropy", file: file, line: line)
    }

    func testGPT() throws { try check(Self.gpt()) }
    func testLlamaTiedAndUntied() throws {
        try check(Self.llama(tied: true))
        try check(Self.llama(tied: false))
    }
}
