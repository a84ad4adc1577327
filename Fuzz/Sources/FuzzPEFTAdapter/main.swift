import FuzzSupport
import Foundation
@testable import Models
@testable import TensorCore

// One input: a PEFT adapter folder as one byte string, `adapter_config.json`, a NUL byte, then
// `adapter_model.safetensors` (a file without a NUL is a config with no weights). The config and the tensors'
// names and shapes must come back as contents or an error; contents that parse are attached to a tiny GPT-2 and a
// tiny Llama (whose module names and widths the seeds use), and each adapter's merge delta is computed, as
// `tinyalign merge` computes it. The rank is whatever the file claims, so an attach that allocates by the claim
// rather than by the tensors shows up here as an out-of-memory.
let models: [any CausalLanguageModel] = keptForTheWholeRun {
    [try! GPT(GPTConfig(vocabSize: 16, nPositions: 8, nEmbd: 8, nLayer: 1, nHead: 2), seed: 1),
     try! Llama(LlamaConfig(vocabSize: 16, hiddenSize: 8, intermediateSize: 12, numLayers: 1, numHeads: 2, maxPositions: 8,
                            bosTokenId: 0, eosTokenId: 0), seed: 1)]
}

runFuzzer { bytes in
    let split = bytes.firstIndex(of: 0) ?? bytes.endIndex
    guard let (config, base) = try? PEFTAdapterFolder.parseConfig(Data(bytes[..<split]), path: "adapter_config.json") else { return }
    precondition(config.r >= 1 && config.r <= PEFTAdapterFolder.maxRank)
    let weights = UnsafeRawBufferPointer(rebasing: bytes[min(split + 1, bytes.endIndex)...])
    guard let file = try? SafeTensors.decode(weights, path: "adapter_model.safetensors"),
          let contents = try? PEFTAdapterFolder.contents(config: config, baseModel: base, weights: file, path: "adapter_model.safetensors")
    else { return }
    for model in models {
        let adapters = try? PEFTAdapterFolder.attach(contents, weightsPath: "adapter_model.safetensors", to: model, baseFingerprint: nil)
        if let adapters {
            precondition(adapters.modules.count == contents.modules.count)
            for m in adapters.modules {
                precondition(m.adapter.a.value.shape == [config.r, m.layer.inFeatures])
                // What merging adds to the base weight (the merge itself would change the shared model).
                if let delta = try? m.adapter.delta() { precondition(delta.shape == [m.layer.outFeatures, m.layer.inFeatures]) }
            }
        }
        // Back to the bare, trainable model for the next input (attach may have frozen it before failing).
        for (_, layer) in model.linearModules { layer.adapter = nil }
        for p in model.parameters { p.setRequiresGrad(true) }
    }
}
