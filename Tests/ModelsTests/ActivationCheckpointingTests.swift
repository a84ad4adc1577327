import Autograd
import Models
import TensorCore
import TestSupport
import XCTest

/// `checkpointActivations` on both families: gradients identical to 1e-6, and peak tensor memory of a
/// forward + backward well below the plain graph's.
final class ActivationCheckpointingTests: XCTestCase {
    static func models() throws -> [(String, any CausalLanguageModel)] {
        [("gpt2", try GPT(GPTConfig(vocabSize: 64, nPositions: 64, nEmbd: 32, nLayer: 4, nHead: 4), seed: 21)),
         ("llama", try Llama(LlamaConfig(vocabSize: 64, hiddenSize: 32, intermediateSize: 64, numLayers: 4, numHeads: 4,
                                          numKeyValueHeads: 2, tieWordEmbeddings: false), seed: 22))]
    }

    /// Loss, then every parameter's gradient after one backward, and the peak tensor bytes while doing it.
    static func step(_ model: any CausalLanguageModel, checkpoint: Bool) throws -> (loss: Float, grads: [[Float]], peak: Int) {
        model.checkpointActivations = checkpoint
        defer { model.checkpointActivations = false }
        model.parameters.forEach { $0.zeroGrad() }
        let b = 4, t = 48
        let ids = (0..<(b * t)).map { Int32(($0 * 37 + 11) % 64) }
        let targets = (0..<(b * t)).map { $0 % t < t / 2 ? Int32(-100) : Int32(($0 * 13 + 5) % 64) }
        let (loss, peak) = try TensorMemory.peakBytes { () -> Float in
            let l = try model.scoredLoss(ids, targets: targets, batch: b)
            l.backward()
            return l.value.item
        }
        return (loss, model.parameters.map { $0.grad?.scalars ?? [] }, peak)
    }

    func testGradientsIdenticalAndPeakMemoryDrops() throws {
        for (name, model) in try Self.models() {
            let plain = try Self.step(model, checkpoint: false)
            let checkpointed = try Self.step(model, checkpoint: true)
            XCTAssertFalse(model.checkpointActivations, "\(name): the step restores the setting")
            assertClose(checkpointed.loss, plain.loss, rtol: 1e-6, atol: 1e-6, "\(name) loss")
            for (i, (c, p)) in zip(checkpointed.grads, plain.grads).enumerated() {
                XCTAssertFalse(p.isEmpty, "\(name) parameter \(i) got a gradient")
                assertClose(c, p, rtol: 1e-6, atol: 1e-6, "\(name) gradient of parameter \(i)")
            }
            // Four blocks: the plain graph keeps every block's activations, the checkpointed one a block input each
            // plus one block's activations during its backward.
            XCTAssertLessThan(Double(checkpointed.peak), 0.6 * Double(plain.peak),
                              "\(name): checkpointed peak \(checkpointed.peak) B vs plain \(plain.peak) B")
        }
    }
    /// LoRA on a frozen base: the adapters get the same gradients with checkpointing (they are leaves the re-run
    /// block reads, not parameters of the block), and nothing else gets one.
    func testLoRAAdapterGradientsIdenticalUnderCheckpointing() throws {
        for (name, model) in try Self.models() {
            let adapters = try LoRAAdapters.attach(to: model, config: LoRAConfig(r: 4, alpha: 8, targets: [LoRAConfig.allLinear]), seed: 3)
            for p in model.parameters { p.setRequiresGrad(false) }
            // B starts at zero (PEFT's init), which would leave A without a gradient: move B off zero.
            for p in adapters.parameters { p.assign(Tensor(shape: p.shape, p.value.scalars.enumerated().map { 0.01 * Float(($0.offset % 7) - 3) + $0.element })) }
            func grads(_ checkpoint: Bool) throws -> [[Float]] {
                adapters.parameters.forEach { $0.zeroGrad() }
                _ = try Self.step(model, checkpoint: checkpoint)
                return adapters.parameters.map { $0.grad?.scalars ?? [] }
            }
            let plain = try grads(false), checkpointed = try grads(true)
            for (i, (c, p)) in zip(checkpointed, plain).enumerated() {
                XCTAssertFalse(p.isEmpty, "\(name) adapter tensor \(i) got a gradient")
                assertClose(c, p, rtol: 1e-6, atol: 1e-6, "\(name) gradient of adapter tensor \(i)")
            }
            XCTAssertTrue(model.parameters.allSatisfy { $0.grad == nil }, "\(name): the frozen base gets no gradient")
        }
    }

    /// With LoRA the embedding and every base weight are frozen, so nothing feeds the first block a gradient but
    /// its adapters: it must be checkpointed like the others (its adapters count as what it trains). The forward
    /// then keeps one (B, T, C) tensor per block input, the last block's output and the final norm's output, plus
    /// per-row statistics: at most L + 3 such tensors. The first block run unchecked kept its q, k, v, attention
    /// output, MLP intermediates and more besides (over 10 of them for these shapes).
    func testLoRAFirstBlockIsCheckpointedToo() throws {
        for (name, model) in try Self.models() {
            _ = try LoRAAdapters.attach(to: model, config: LoRAConfig(r: 4, alpha: 8, targets: [LoRAConfig.allLinear]), seed: 3)
            model.checkpointActivations = true
            let b = 4, t = 48, c = 32, layers = 4
            let ids = (0..<(b * t)).map { Int32(($0 * 37 + 11) % 64) }
            let before = TensorMemory.liveBytes
            let hidden = try model.lastHiddenStates(ids, batch: b)
            let kept = TensorMemory.liveBytes - before
            let activation = b * t * c * 4
            XCTAssertTrue(hidden.requiresGrad, "\(name): the adapters make the output trainable")
            XCTAssertGreaterThanOrEqual(kept, (layers + 1) * activation, "\(name): each block's input is kept")
            XCTAssertLessThanOrEqual(kept, (layers + 3) * activation, "\(name): kept \(kept) B = \(Double(kept) / Double(activation)) activations")
            withExtendedLifetime(hidden) {}
        }
    }
}
