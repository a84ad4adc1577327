import Autograd
import Models
import TensorCore
import TestSupport
import XCTest

/// The memory switches of `TapeMemory` on Llama-family models: two AdamW steps give bit-identical losses and
/// weights with the switches on and off (plain rows and packed rows, SwiGLU and GeGLU, biases, Qwen3's q/k
/// norms, activation checkpointing), and the peak tensor memory of a step falls with them on.
final class TapeMemoryTests: XCTestCase {
    static func configs() -> [(String, LlamaConfig)] {
        [("llama", LlamaConfig(vocabSize: 64, hiddenSize: 32, intermediateSize: 64, numLayers: 3, numHeads: 4, numKeyValueHeads: 2,
                               tieWordEmbeddings: true)),
         ("qwen2", LlamaConfig(modelType: "qwen2", vocabSize: 64, hiddenSize: 32, intermediateSize: 48, numLayers: 2, numHeads: 4,
                               numKeyValueHeads: 1, mlpBias: true)),
         ("qwen3", LlamaConfig(modelType: "qwen3", vocabSize: 64, hiddenSize: 32, intermediateSize: 48, numLayers: 2, numHeads: 2,
                               numKeyValueHeads: 1, headDim: 8)),
         ("gemma", LlamaConfig(modelType: "gemma", vocabSize: 64, hiddenSize: 32, intermediateSize: 48, numLayers: 2, numHeads: 2,
                               numKeyValueHeads: 1))]
    }

    /// `rows` rows packed as [prompt 6, response 5, response 4] (15 tokens), positions continuing the prompt.
    static func packed(rows: Int) -> PackedRows {
        let one: [Int32] = Array(0..<6) + Array(6..<11) + Array(6..<10)
        let seg: [Int32] = Array(repeating: 0, count: 6) + Array(repeating: 1, count: 5) + Array(repeating: 2, count: 4)
        return PackedRows(positions: Array([[Int32]](repeating: one, count: rows).joined()),
                          segments: Array([[Int32]](repeating: seg, count: rows).joined()))
    }

    /// Losses of two AdamW steps, the weights after them, and the peak tensor bytes of the second step.
    static func twoSteps(_ config: LlamaConfig, packedRows: Bool, checkpoint: Bool, memorySaving: Bool, rows b: Int = 2) throws
        -> (losses: [Float], weights: [[Float]], peak: Int) {
        TapeMemory.releasesGraph = memorySaving
        TapeMemory.recomputesInBlocks = memorySaving
        defer { TapeMemory.releasesGraph = true; TapeMemory.recomputesInBlocks = true }
        let model = try Llama(config, seed: 9)
        model.checkpointActivations = checkpoint
        let optimizer = try AdamW(parameters: model.parameters, lr: 1e-2, weightDecay: 0.1)
        let t = 15
        let ids = (0..<(b * t)).map { Int32(($0 * 29 + 3) % 64) }
        let targets = (0..<(b * t)).map { $0 % t < 5 ? Int32(-100) : Int32(($0 * 17 + 1) % 64) }
        var losses: [Float] = [], peak = 0
        for _ in 0..<2 {
            optimizer.zeroGrad()
            let (loss, bytes) = try TensorMemory.peakBytes { () throws -> Float in
                let hidden = packedRows ? try model.lastHiddenStates(ids, batch: b, rows: packed(rows: b)) : try model.lastHiddenStates(ids, batch: b)
                let l = try model.targetLogProbs(hidden: hidden.reshaped([-1, config.hiddenSize]), targets: targets).sum() * (-1 / Float(10 * b))
                l.backward()
                return l.value.item
            }
            optimizer.step()
            losses.append(loss)
            peak = bytes
        }
        return (losses, model.parameters.map(\.value.scalars), peak)
    }

    func testTwoStepsBitIdenticalWithSwitchesOnAndOff() throws {
        for (name, config) in Self.configs() {
            for packedRows in [false, true] {
                for checkpoint in [false, true] {
                    let on = try Self.twoSteps(config, packedRows: packedRows, checkpoint: checkpoint, memorySaving: true)
                    let off = try Self.twoSteps(config, packedRows: packedRows, checkpoint: checkpoint, memorySaving: false)
                    let what = "\(name), packed rows \(packedRows), checkpointing \(checkpoint)"
                    XCTAssertEqual(on.losses, off.losses, "\(what): losses")
                    XCTAssertNotEqual(on.losses[0], on.losses[1], "\(what): the first step changed the model")
                    XCTAssertEqual(on.weights, off.weights, "\(what): weights after two steps")
                }
            }
        }
    }

    /// Without checkpointing the step's peak falls by a third or more on this model (most of it is activations).
    func testPeakTensorMemoryFalls() throws {
        let config = LlamaConfig(vocabSize: 64, hiddenSize: 64, intermediateSize: 160, numLayers: 4, numHeads: 4, numKeyValueHeads: 2)
        let on = try Self.twoSteps(config, packedRows: true, checkpoint: false, memorySaving: true, rows: 8)
        let off = try Self.twoSteps(config, packedRows: true, checkpoint: false, memorySaving: false, rows: 8)
        XCTAssertLessThan(Double(on.peak), 0.67 * Double(off.peak), "peak \(on.peak) B with the switches vs \(off.peak) B without")
    }
}
