import Foundation
import Models

/// The models `tinyalign bench train|dpo|generate --config` can build with random weights: the GPT-2 `tiny`
/// and `small` configs, and `smollm2-135m`, the real SmolLM2-135M shape (Llama family: 30 layers, hidden 576,
/// 9 heads with 3 key/value heads of 64, intermediate 1536, vocabulary 49152, tied head), and `qwen2.5-0.5b`, the
/// Qwen2.5-0.5B shape (Qwen2: 24 layers, hidden 896, 14 heads with 2 key/value heads of 64, intermediate 4864,
/// vocabulary 151936, tied head, q/k/v biases, RoPE θ 10⁶) — the size issue 13's memory target names.
enum BenchModels {
    /// The names `--config` accepts.
    static let names = ["tiny", "small", "smollm2-135m", "qwen2.5-0.5b"]

    /// SmolLM2-135M's config.json values.
    static let smolLM2 = LlamaConfig(modelType: "llama", vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536,
                                     numLayers: 30, numHeads: 9, numKeyValueHeads: 3, headDim: 64, maxPositions: 8192,
                                     rmsNormEps: 1e-5, ropeTheta: 100000, tieWordEmbeddings: true, bosTokenId: 0, eosTokenId: 0)

    /// Qwen2.5-0.5B's config.json values (`use_sliding_window` is false there, so no window).
    static let qwen25 = LlamaConfig(modelType: "qwen2", vocabSize: 151936, hiddenSize: 896, intermediateSize: 4864,
                                    numLayers: 24, numHeads: 14, numKeyValueHeads: 2, headDim: 64, maxPositions: 32768,
                                    rmsNormEps: 1e-6, ropeTheta: 1_000_000, attentionBias: true, tieWordEmbeddings: true,
                                    bosTokenId: 151643, eosTokenId: 151643)

    /// A freshly initialised model of `name`.
    static func make(_ name: String) throws -> any CausalLanguageModel {
        if name == "smollm2-135m" { return try Llama(smolLM2, seed: 0) }
        if name == "qwen2.5-0.5b" { return try Llama(qwen25, seed: 0) }
        guard let config = GPTConfig.named(name) else {
            throw CLIError("--config must be one of \(names.joined(separator: ", ")), got \(name)")
        }
        return try GPT(config, seed: 0)
    }

    /// The sequence length a training bench uses: GPT-2 configs their full context, the long-context Llama
    /// shapes 256 tokens (what fine-tuning SmolLM2 on short preference data looks like).
    static func trainingContext(_ model: any CausalLanguageModel) -> Int { model is GPT ? model.contextLength : min(256, model.contextLength) }

    /// Model FLOPs of one training step (PaLM's accounting, nanoGPT's `estimate_mfu`): GPT-2 as
    /// `BenchTrain.flopsPerStep`; a Llama-family model 6 · N · B·T + 12 · L · T² · W · B with N its parameters
    /// (a tied embedding counted once, as the head; the norms, a rounding error, included), L layers and W the
    /// attention width (heads × head size).
    static func flopsPerStep(_ model: any CausalLanguageModel, batch: Int, context: Int) -> Double {
        if let gpt = model as? GPT { return BenchTrain.flopsPerStep(gpt.config, batch: batch) }
        guard let llama = model as? Llama else { return 0 }
        var weights = Double(llama.parameterCount)
        if llama.lmHead != nil { weights -= Double(llama.config.vocabSize * llama.config.hiddenSize) }
        let layers = Double(llama.config.numLayers), width = Double(llama.config.numHeads * llama.config.headDim)
        let b = Double(batch), t = Double(context)
        return 6 * weights * b * t + 12 * layers * t * t * width * b
    }
}
