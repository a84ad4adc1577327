import Autograd
import Foundation
import TensorCore

/// The Llama family — Llama 2/3/3.2, SmolLM2, TinyLlama (`llama`), Qwen2/2.5 (`qwen2`, q/k/v biases), Qwen3
/// (`qwen3`, per-head q/k norms), Mistral (`mistral`, sliding window) and Gemma (`gemma`, √C-scaled embeddings,
/// (1 + w) norms, GeGLU): token embedding, pre-RMSNorm decoder layers with RoPE and grouped-query attention, a
/// final norm, and an output head tied to the embedding or not. Parameter names are `transformers`'
/// (`model.layers.0.self_attn.q_proj.weight`, …), projections stored [out, in].
public final class Llama: CausalLanguageModel, CheckpointProvenance {
    /// The configuration the model was built from.
    public let config: LlamaConfig
    /// Token embedding (V, C).
    public let embedTokens: Variable
    /// The decoder layers.
    public let layers: [LlamaDecoderLayer]
    /// Final norm.
    public let norm: RMSNorm
    /// Untied output head (V, C), or nil when tied to `embedTokens`.
    public let lmHead: Variable?
    /// The element type of the checkpoint the weights came from; saving keeps it unless told otherwise.
    public var storageDType: SafeTensorsDType = .f32
    /// `generation_config.json` of the folder the model was loaded from, written back on save.
    public var generationConfig: Data?
    /// Recompute each decoder layer in the backward instead of keeping its activations (see `CausalLanguageModel`).
    public var checkpointActivations = false
    /// One-token decoding steps on tensors (`decodeStep`, grouped projections); false runs them through the graph
    /// path as before (benchmarks compare the two in one process).
    public var decodesWithTensorStep = true
    /// BF16 copies of the projections and head that one-token steps use instead of the F32 weights when set
    /// (`useBF16WeightsForDecoding()`); nil decodes in F32.
    public var bf16DecodingWeights: LlamaBF16Weights?

    /// A freshly initialised model: N(0, initializer_range²) weights, zero biases, norms at scale one.
    public init(_ config: LlamaConfig, seed: UInt64 = 0) throws {
        try config.validate()
        self.config = config
        var rng = SeededGenerator(seed: seed)
        let std = Float(config.initializerRange)
        embedTokens = Variable(.normal([config.vocabSize, config.hiddenSize], std: std, using: &rng), requiresGrad: true)
        var made: [LlamaDecoderLayer] = []
        for _ in 0..<config.numLayers { made.append(LlamaDecoderLayer(config, rng: &rng)) }
        layers = made
        norm = RMSNorm(config.hiddenSize, eps: Float(config.rmsNormEps), unitOffset: config.isGemma)
        lmHead = config.tieWordEmbeddings ? nil
            : Variable(.normal([config.vocabSize, config.hiddenSize], std: std, using: &rng), requiresGrad: true)
        if let dtype = config.torchDType.flatMap(SafeTensorsDType.init(torchDType:)) { storageDType = dtype }
    }

    /// ids (shape…) -> embeddings (shape…, C), times √C for Gemma (the factor rounded to Float32 as there).
    func embed(_ ids: [Int32], shape: [Int]) throws -> Variable {
        let x = try Variable.embedding(weight: embedTokens, ids: ids, shape: shape)
        return config.isGemma ? x * Float(Double(config.hiddenSize).squareRoot()) : x
    }

    /// ids: (B, T) row-major -> the final norm's output (B, T, C). Causal.
    public func lastHiddenStates(_ ids: [Int32], batch: Int) throws -> Variable {
        let t = try checkInput(ids, batch: batch)
        let (cos, sin) = RotaryTables.tables(config, start: 0, count: t)
        return try hiddenStates(ids, shape: [batch, t], cos: cos, sin: sin, segments: nil)
    }

    /// The Llama family runs packed rows: RoPE takes the rows' positions, attention their segments.
    public var supportsPackedRows: Bool { true }

    /// ids: (B, T) laid out by `rows` -> (B, T, C), each token as in its own unpacked row (see `PackedRows`).
    /// Dynamic NTK scaling sees the longest unpacked sequence (largest position + 1), as the unpacked batch does.
    public func lastHiddenStates(_ ids: [Int32], batch: Int, rows: PackedRows) throws -> Variable {
        let t = try checkPackedInput(ids, batch: batch, rows: rows)
        let (cos, sin) = RotaryTables.tables(config, positions: rows.positions)
        return try hiddenStates(ids, shape: [batch, t], cos: cos, sin: sin, segments: rows.segments)
    }

    /// Embeddings, the layers with RoPE tables cos/sin ((T, D/2), or (B·T, D/2) per token) and attention under
    /// `segments` when given, the final norm.
    private func hiddenStates(_ ids: [Int32], shape: [Int], cos: Tensor, sin: Tensor, segments: [Int32]?) throws -> Variable {
        var x = try embed(ids, shape: shape)
        let dropout = checkpointActivations ? LoRADropoutCheckpointing.sources(linearModules.map(\.1)) : []
        for layer in layers {
            x = checkpointActivations
                ? try LoRADropoutCheckpointing.checkpointed(x, parameters: layer.parametersWithAdapters, sources: dropout) { try layer($0, cos: cos, sin: sin, segments: segments) }
                : try layer(x, cos: cos, sin: sin, segments: segments)
        }
        return try norm(x)
    }

    /// hidden: (N, C) -> logits (N, V) through `lm_head` or the tied embedding.
    public func outputLogits(_ hidden: Variable) throws -> Variable {
        try Variable.dense(hidden, weight: lmHead ?? embedTokens, bias: nil)
    }

    /// The head fused with the target log-probs, only at scored rows (see `CausalLanguageModel`).
    public func targetLogProbs(hidden: Variable, targets: [Int32]) throws -> Variable {
        try Variable.projectedTargetLogProbs(hidden: hidden, weight: lmHead ?? embedTokens, targets: targets)
    }

    /// Every parameter under its `transformers` name; `lm_head.weight` only when untied.
    public var namedParameters: [(String, Variable)] {
        var out: [(String, Variable)] = [("model.embed_tokens.weight", embedTokens)]
        for (i, layer) in layers.enumerated() { out += layer.scoped("model.layers.\(i)") }
        out += norm.scoped("model.norm")
        if let lmHead { out.append(("lm_head.weight", lmHead)) }
        return out
    }

    /// q/k/v/o_proj and gate/up/down_proj of every layer, under `transformers`' module names.
    public var linearModules: [(String, AdaptableLinear)] {
        layers.enumerated().flatMap { i, l in l.linearLayers.map { ("model.layers.\(i).\($0.0)", $0.1) } }
    }

    /// PEFT's default targets for the Llama family.
    public var defaultLoRATargets: [String] { ["q_proj", "v_proj"] }

    // MARK: CausalLanguageModel

    /// llama, qwen2, qwen3, mistral, gemma.
    public static var modelTypes: [String] { LlamaConfig.families }

    /// A fresh model from `config.json` bytes.
    public static func make(configJSON: Data, seed: UInt64) throws -> Llama {
        try Llama(JSONDecoder().decode(LlamaConfig.self, from: configJSON), seed: seed)
    }

    /// The shapes of a validated config (decoding validates: limits first, so nothing absurd is ever computed).
    public static func expectedTensorShapes(configJSON: Data) throws -> [(String, [Int])]? {
        try JSONDecoder().decode(LlamaConfig.self, from: configJSON).tensorShapes
    }

    /// The config under `transformers`' keys, `torch_dtype` naming the dtype a save writes.
    public func configJSON() throws -> Data {
        var c = config
        c.torchDType = storageDType.torchDType
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(c)
    }

    /// `vocab_size`.
    public var vocabularySize: Int { config.vocabSize }
    /// See `LlamaConfig.contextLength`.
    public var contextLength: Int { config.contextLength }
    /// `hidden_size`.
    public var hiddenSize: Int { config.hiddenSize }
    /// The first `eos_token_id`.
    public var configEOSTokenId: Int32? { config.eosTokenIds.first.map { Int32($0) } }

    /// An empty cache that grows as positions are decoded (a long context would otherwise reserve gigabytes).
    public func makeKVCache() -> KVCache {
        KVCache(layers: config.numLayers, capacity: min(contextLength, 256), width: config.numKeyValueHeads * config.headDim)
    }

    /// A tied head's `lm_head.weight` copy is ignored; a missing `model.` prefix is accepted.
    public func parameterName(forStoredTensor name: String) -> String? {
        if name == "lm_head.weight" { return lmHead == nil ? nil : name }
        if name.hasSuffix(".rotary_emb.inv_freq") { return nil }
        return name.hasPrefix("model.") ? name : "model." + name
    }

    /// Runs `ids` (batch 1) at positions cache.length… without a graph, appending to the cache; returns the
    /// logits (V) of the last position. One token of a plain model (no LoRA, no narrowed weight) runs
    /// `decodeStep` on tensors (grouped projections; the pool spins `BLAS.decodingPoolSpinNanoseconds`, default 0),
    /// unless `tensorStep` is false
    /// (tests compare the two: equal logits).
    public func forwardCached(_ ids: [Int32], cache: inout KVCache) throws -> Tensor {
        try forwardCached(ids, cache: &cache, tensorStep: decodesWithTensorStep)
    }

    /// `forwardCached(_:cache:)`, one token through the graph path when `tensorStep` is false.
    public func forwardCached(_ ids: [Int32], cache: inout KVCache, tensorStep: Bool) throws -> Tensor {
        let start = cache.length, n = ids.count
        guard start + n <= contextLength else {
            throw ModelError.invalidInput("sequence of \(start + n) tokens is longer than the context of \(contextLength)")
        }
        _ = try checkInput(ids, batch: 1)
        cache.reserve(start + n, limit: contextLength)
        let onTensors = n == 1 && tensorStep && decodesOnTensors
        let threads = n == 1 && (onTensors ? plainParameterCount : parameterCount) < GPT.singleThreadDecodeLimit ? 1 : BLAS.threads
        if onTensors {
            return try BLAS.withThreads(threads) {
                try BLAS.withPoolSpin(threads > 1 ? BLAS.decodingPoolSpinNanoseconds : 0) {
                    try withNoGrad { try decodeStep(ids[0], cache: &cache) }
                }
            }
        }
        return try BLAS.withThreads(threads) { try withNoGrad {
            let (cos, sin) = RotaryTables.tables(config, start: start, count: n)
            var x = try embed(ids, shape: [n])
            for (i, layer) in layers.enumerated() {
                let attn = layer.selfAttn
                let (q, k, v) = try attn.projections(layer.inputLayernorm(x), cos: cos, sin: sin)
                let out = try CachedGroupedAttentionKernel.forward(q: q.value, k: k.value, v: v.value, heads: attn.heads,
                                                                   start: start, keys: &cache.keys[i], values: &cache.values[i])
                x = try x + attn.oProj(Variable(out))
                x = try x + layer.mlp(layer.postAttentionLayernorm(x))
            }
            cache.length += n
            let c = config.hiddenSize
            let h = try norm(x).value
            let last = Variable(Tensor(shape: [1, c], Array(h.scalars[((n - 1) * c)...])))
            return try outputLogits(last).value.reshaped([config.vocabSize])
        } }
    }
}

extension KVCache {
    /// Grows every layer's buffers (doubling, at most to `limit` rows) until `positions` rows fit, keeping the
    /// stored rows.
    public mutating func reserve(_ positions: Int, limit: Int) {
        guard positions > capacity, let width = keys.first?.shape[1] else { return }
        var newCapacity = max(capacity, 1)
        while newCapacity < positions { newCapacity *= 2 }
        newCapacity = min(max(newCapacity, positions), max(limit, positions))
        func grown(_ t: Tensor) -> Tensor {
            var bigger = Tensor.zeros([newCapacity, width])
            t.withUnsafeBufferPointer { src in bigger.withUnsafeMutableBufferPointer { dst in
                dst.baseAddress!.update(from: src.baseAddress!, count: length * width)
            } }
            return bigger
        }
        keys = keys.map(grown)
        values = values.map(grown)
    }
}
