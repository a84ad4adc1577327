import Autograd
import Foundation
import Models
import TensorCore
import TestSupport
import XCTest

/// LoRA dropout under `checkpointActivations`: the checkpointed step draws the same masks as the step without
/// checkpointing, so its loss, its adapter gradients and the dropout generator's final state are the same.
final class LoRADropoutCheckpointingTests: XCTestCase {
    func testDropoutMasksLossAndGradientsMatchTheRunWithoutCheckpointing() throws {
        for (name, model) in try ActivationCheckpointingTests.models() {
            let adapters = try LoRAAdapters.attach(to: model, config: LoRAConfig(r: 4, alpha: 8, dropout: 0.3, targets: [LoRAConfig.allLinear]),
                                                   seed: 5)
            // B starts at zero, which would hide the adapters (and their dropout) from the loss: move it off zero.
            for p in adapters.parameters {
                p.assign(Tensor(shape: p.shape, p.value.scalars.enumerated().map { 0.05 * Float(($0.offset % 7) - 3) + $0.element }))
            }
            let start = adapters.dropoutSource.rng
            func run(_ checkpoint: Bool, from state: SeededGenerator) throws -> (loss: Float, grads: [[Float]], end: Data) {
                adapters.dropoutSource.rng = state
                adapters.parameters.forEach { $0.zeroGrad() }
                let s = try ActivationCheckpointingTests.step(model, checkpoint: checkpoint)
                return (s.loss, adapters.parameters.map { $0.grad?.scalars ?? [] }, try JSONEncoder().encode(adapters.dropoutSource.rng))
            }
            let plain = try run(false, from: start), checkpointed = try run(true, from: start)
            let otherMasks = try run(false, from: SeededGenerator(seed: 99))
            XCTAssertNotEqual(otherMasks.loss, plain.loss, "\(name): the dropout masks change the loss")
            assertClose(checkpointed.loss, plain.loss, rtol: 1e-6, atol: 1e-6, "\(name) loss")
            for (i, (c, p)) in zip(checkpointed.grads, plain.grads).enumerated() {
                XCTAssertFalse(p.isEmpty, "\(name) adapter tensor \(i) got a gradient")
                assertClose(c, p, rtol: 1e-5, atol: 1e-6, "\(name) gradient of adapter tensor \(i)")
            }
            XCTAssertEqual(checkpointed.end, plain.end, "\(name): the generator ends where the run without checkpointing left it")
        }
    }
}
