import Autograd
import Foundation
@testable import Models
import TensorCore
import TestSupport
import XCTest

/// The tensor decoding step (`Llama.decodeStep`: grouped q/k/v and gate/up products, no graph) against the graph
/// path for one token (`forwardCached(_:cache:tensorStep: false)`), for every family fixture of LlamaParityTests
/// (llama with every bias, qwen2's q/k/v biases, qwen3's q/k norms, mistral, gemma's √C and GeGLU): logits
/// within 1e-5 (the kernels are the same, so in practice equal) and the same keys and values cached, on one
/// thread and with the products split over two under a spinning pool.
final class LlamaDecodeStepTests: XCTestCase {
    private func model(_ family: String) throws -> Llama {
        let folder = Fixtures.url("llama/\(family)")
        if family == "llama" { return try Checkpoint.load(Llama.self, from: folder) }
        let model = try XCTUnwrap(try ModelRegistry.make(configJSON: Checkpoint.configData(in: folder), path: family) as? Llama)
        HashedWeights.fill(model, gemma: family == "gemma")
        return model
    }

    private func compareSteps(_ model: Llama, _ label: String) throws {
        XCTAssertTrue(model.decodesOnTensors, label)
        XCTAssertEqual(model.plainParameterCount, model.parameterCount, label)
        let seq: [Int32] = [1, 5, 9, 33, 70, 101, 3, 250, 11, 12, 13, 14]
        var fused = model.makeKVCache(), graph = model.makeKVCache()
        _ = try model.forwardCached(Array(seq[..<3]), cache: &fused)
        _ = try model.forwardCached(Array(seq[..<3]), cache: &graph)
        for id in seq[3...] {
            let a = try model.forwardCached([id], cache: &fused, tensorStep: true)
            let b = try model.forwardCached([id], cache: &graph, tensorStep: false)
            XCTAssertEqual(a.shape, [model.config.vocabSize], label)
            let worst = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(worst, 1e-5, "\(label) logits after token \(id)")
        }
        XCTAssertEqual(fused.length, seq.count, label)
        for layer in 0..<model.config.numLayers {
            XCTAssertEqual(fused.keys[layer].scalars, graph.keys[layer].scalars, "\(label) keys of layer \(layer)")
            XCTAssertEqual(fused.values[layer].scalars, graph.values[layer].scalars, "\(label) values of layer \(layer)")
        }
    }

    func testTensorStepMatchesGraphStepForEveryFamily() throws {
        for family in LlamaParityTests.families {
            let m = try model(family)
            try BLAS.withThreads(1) { try compareSteps(m, "\(family), 1 thread") }
        }
    }

    func testTensorStepMatchesGraphStepSplitOverThreads() throws {
        let saved = BLAS.ownGemvMinWorkPerThread
        defer { BLAS.ownGemvMinWorkPerThread = saved }
        BLAS.ownGemvMinWorkPerThread = 0
        for family in ["llama", "qwen2", "qwen3"] {
            let m = try model(family)
            // The fixtures are far below the single-thread limit: call the step directly to split it.
            try BLAS.withThreads(2) { try BLAS.withPoolSpin(50_000) {
                var fused = m.makeKVCache(), graph = m.makeKVCache()
                _ = try m.forwardCached([1, 2], cache: &fused)
                _ = try m.forwardCached([1, 2], cache: &graph)
                for id: Int32 in [7, 8, 9] {
                    fused.reserve(fused.length + 1, limit: m.contextLength)
                    let a = try withNoGrad { try m.decodeStep(id, cache: &fused) }
                    let b = try m.forwardCached([id], cache: &graph, tensorStep: false)
                    XCTAssertLessThanOrEqual(zip(a.scalars, b.scalars).map { abs($0 - $1) }.max()!, 1e-5, "\(family) split, token \(id)")
                }
            } }
        }
    }

    /// A LoRA adapter (its forward is the frozen-base op) keeps one-token steps on the graph path; a fresh
    /// adapter (B = 0) leaves the model as it was, so its greedy tokens are the tensor path's.
    func testLoRAModelDecodesThroughTheGraph() throws {
        let m = try model("qwen2")
        XCTAssertTrue(m.decodesOnTensors)
        let plain = try m.generate(prompt: [1, 5, 9], maxNewTokens: 12)
        _ = try LoRAAdapters.attach(to: m, config: LoRAConfig(r: 2, alpha: 4, targets: ["q_proj", "v_proj"]), seed: 3)
        XCTAssertFalse(m.decodesOnTensors)
        XCTAssertEqual(try m.generate(prompt: [1, 5, 9], maxNewTokens: 12), plain)
    }

    /// Logits of a prompt of two tokens, then of one-token steps through the rest of `seq`.
    private func stepLogits(_ m: Llama, _ seq: [Int32]) throws -> [[Float]] {
        var cache = m.makeKVCache()
        var out = [try m.forwardCached(Array(seq[..<2]), cache: &cache).scalars]
        for id in seq[2...] { out.append(try m.forwardCached([id], cache: &cache).scalars) }
        return out
    }

    /// BF16 decoding weights on fixtures whose weights are BF16 values already (checked): both paths multiply
    /// the same numbers, so the logits equal the F32 step's to 1e-5.
    /// The BF16 kernels this CPU runs (plain C on every CPU; AVX2 and AVX-512 where present), each tested by
    /// making it the default for the body.
    private func forEachBF16Kernel(_ body: (BF16Matrix.Kernel) throws -> Void) rethrows {
        let saved = BF16Matrix.defaultKernel
        defer { BF16Matrix.defaultKernel = saved }
        for kernel in [BF16Matrix.Kernel.portable, .avx2, .avx512] where kernel.runs {
            BF16Matrix.defaultKernel = kernel
            try body(kernel)
        }
    }

    func testBF16WeightsDecodeLikeF32OnBF16Values() throws {
        let seq: [Int32] = [1, 5, 9, 33, 70, 101]
        try forEachBF16Kernel { kernel in
            for family in ["llama", "qwen3", "gemma"] {
                let m = try model(family)
                let q = m.layers[0].selfAttn.qProj.weight.value
                XCTAssertEqual(try BF16Matrix(q).widened().scalars, q.scalars, "\(family): fixture weights are BF16 values")
                let f32 = try stepLogits(m, seq)
                try m.useBF16WeightsForDecoding()
                let bf16 = try stepLogits(m, seq)
                for (a, b) in zip(bf16, f32) {
                    XCTAssertLessThanOrEqual(zip(a, b).map { abs($0 - $1) }.max()!, 1e-5, "\(family), \(kernel): BF16 step vs F32 step")
                }
            }
        }
    }

    /// On random F32 weights (qwen2 layout: q/k/v biases, untied head) BF16 weights move the steps' logits by
    /// their rounding only (BF16 keeps 8 bits: ~0.3 % of the largest logit measured, bound 1 %; a misread weight
    /// would be off by the logits' own size), and the prompt still runs in F32.
    func testBF16WeightsDriftOnRandomWeights() throws {
        try forEachBF16Kernel { kernel in try checkBF16Drift(kernel) }
    }

    private func checkBF16Drift(_ kernel: BF16Matrix.Kernel) throws {
        let config = LlamaConfig(modelType: "qwen2", vocabSize: 97, hiddenSize: 48, intermediateSize: 80, numLayers: 2,
                                 numHeads: 4, numKeyValueHeads: 2, attentionBias: true, tieWordEmbeddings: false)
        let m = try Llama(config, seed: 5)
        for l in m.layers { for d in [l.selfAttn.qProj, l.selfAttn.kProj, l.selfAttn.vProj] { d.bias!.assign(Tensor(shape: [d.bias!.shape[0]], repeating: 0.25)) } }
        let seq: [Int32] = [3, 1, 4, 1, 5, 9, 2, 6]
        let f32 = try stepLogits(m, seq)
        try m.useBF16WeightsForDecoding()
        let bf16 = try stepLogits(m, seq)
        XCTAssertEqual(bf16[0], f32[0], "\(kernel): the prompt runs in F32")
        let drift = zip(bf16.dropFirst().joined(), f32.dropFirst().joined()).map { abs($0 - $1) }.max()!
        let scale = f32.dropFirst().joined().map(abs).max()!
        XCTAssertGreaterThan(drift, 0, "\(kernel): BF16 weights change the logits")
        XCTAssertLessThan(drift, 0.01 * scale, "\(kernel): BF16 rounding only (logits up to \(scale))")
    }
}
