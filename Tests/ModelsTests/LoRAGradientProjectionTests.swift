import Autograd
import Foundation
import Models
import TensorCore
import TestSupport
import XCTest

/// The LoRA backward never forms a weight-sized gradient, yet must give exactly what the chain rule through the
/// merged weight W' = W + s·B·A gives: with G = dL/dW' of the same model merged and trained in full,
/// dB = s·G·Aᵀ and dA = s·Bᵀ·G ((out, in) orientation). Checked on a GPT-2 ([in, out] Conv1D weights) and a
/// Llama with grouped-query attention (k/v projections narrower than their input) at 192 rows, so the folded
/// forward path runs; the losses agree too.
final class LoRAGradientProjectionTests: XCTestCase {
    func testAdapterGradientsAreTheMergedWeightGradientProjected() throws {
        let adapted = try ActivationCheckpointingTests.models(), merged = try ActivationCheckpointingTests.models()
        for ((name, model), (_, plain)) in zip(adapted, merged) {
            let adapters = try LoRAAdapters.attach(to: model, config: LoRAConfig(r: 4, alpha: 8, targets: [LoRAConfig.allLinear]), seed: 3)
            // B starts at zero (the adapter would then not change W'): move every adapter tensor off its start.
            for p in adapters.parameters {
                p.assign(Tensor(shape: p.shape, p.value.scalars.enumerated().map { 0.04 * Float(($0.offset % 5) - 2) + $0.element }))
            }
            let plainLayers = Dictionary(plain.linearModules, uniquingKeysWith: { a, _ in a })
            for m in adapters.modules {
                let layer = try XCTUnwrap(plainLayers[m.name])
                var w = layer.weight.value
                let delta = try m.adapter.delta() // (out, in)
                let (nIn, nOut) = (m.layer.inFeatures, m.layer.outFeatures)
                w.withUnsafeMutableBufferPointer { pw in delta.withUnsafeBufferPointer { pd in
                    for o in 0..<nOut { for i in 0..<nIn { pw[layer.layout == .outIn ? o * nIn + i : i * nOut + o] += pd[o * nIn + i] } }
                } }
                layer.weight.assign(w)
            }
            let (loraLoss, lora2) = try loraStep(model, adapters)
            let full = try ActivationCheckpointingTests.step(plain, checkpoint: false)
            assertClose(loraLoss, full.loss, rtol: 1e-5, atol: 1e-5, "\(name) loss")
            for m in adapters.modules {
                let layer = try XCTUnwrap(plainLayers[m.name])
                let (nIn, nOut, r) = (m.layer.inFeatures, m.layer.outFeatures, m.adapter.a.shape[0])
                let gw = try XCTUnwrap(layer.weight.grad, "\(name) \(m.name): the merged model's weight gradient")
                var g = Tensor.zeros([nOut, nIn]) // G in (out, in) orientation
                g.withUnsafeMutableBufferPointer { pg in gw.withUnsafeBufferPointer { pw in
                    for o in 0..<nOut { for i in 0..<nIn { pg[o * nIn + i] = pw[layer.layout == .outIn ? o * nIn + i : i * nOut + o] } }
                } }
                var expectedB = try Tensor.matmul(g, m.adapter.a.value, transposeB: true)
                expectedB.scale(by: m.adapter.scaling)
                var expectedA = try Tensor.matmul(m.adapter.b.value, g, transposeA: true)
                expectedA.scale(by: m.adapter.scaling)
                XCTAssertEqual(expectedB.shape, [nOut, r])
                XCTAssertGreaterThan(expectedA.scalars.map(abs).max() ?? 0, 1e-4, "\(name) \(m.name): a gradient that says something")
                assertClose(try XCTUnwrap(lora2[ObjectIdentifier(m.adapter.b)]), expectedB.scalars, rtol: 1e-4, atol: 1e-5, "\(name) \(m.name) dB")
                assertClose(try XCTUnwrap(lora2[ObjectIdentifier(m.adapter.a)]), expectedA.scalars, rtol: 1e-4, atol: 1e-5, "\(name) \(m.name) dA")
            }
        }
    }

    /// The loss and the adapters' gradients after one step of the same loss `ActivationCheckpointingTests.step` computes.
    private func loraStep(_ model: any CausalLanguageModel, _ adapters: LoRAAdapters) throws -> (Float, [ObjectIdentifier: [Float]]) {
        adapters.parameters.forEach { $0.zeroGrad() }
        let loss = try ActivationCheckpointingTests.step(model, checkpoint: false).loss
        var out: [ObjectIdentifier: [Float]] = [:]
        for p in adapters.parameters { out[ObjectIdentifier(p)] = p.grad?.scalars }
        return (loss, out)
    }
}
