import Autograd
import Foundation
import TensorCore

/// GPT-2: token + position embeddings, pre-LN blocks, a final layer norm, and an output head tied to the
/// token embedding. Parameter names are Hugging Face's (`transformer.h.0.attn.c_attn.weight`, …).
public final class GPT: CausalLanguageModel {
    /// The configuration the model was built from.
    public let config: GPTConfig
    /// Token embedding (V, C); also the output head.
    public let wte: Variable
    /// Position embedding (n_positions, C).
    public let wpe: Variable
    /// The transformer blocks.
    public let blocks: [Block]
    /// Final layer norm.
    public let lnF: LayerNorm
    /// Recompute each block in the backward instead of keeping its activations (see `CausalLanguageModel`).
    public var checkpointActivations = false

    /// A freshly initialised model: N(0, 0.02) weights, residual projections N(0, 0.02/√(2·n_layer)).
    public init(_ config: GPTConfig, seed: UInt64 = 0) throws {
        try config.validate()
        self.config = config
        var rng = SeededGenerator(seed: seed)
        wte = Variable(.normal([config.vocabSize, config.nEmbd], std: 0.02, using: &rng), requiresGrad: true)
        wpe = Variable(.normal([config.nPositions, config.nEmbd], std: 0.02, using: &rng), requiresGrad: true)
        var made: [Block] = []
        for _ in 0..<config.nLayer { made.append(Block(config, rng: &rng)) }
        blocks = made
        lnF = LayerNorm(config.nEmbd, eps: config.layerNormEpsilon)
    }

    /// ids: (B, T) row-major -> the last hidden states (B, T, C): the final layer norm's output, which the head
    /// turns into logits. Causal, so position t depends on tokens 0…t only.
    public func lastHiddenStates(_ ids: [Int32], batch: Int) throws -> Variable {
        let t = try checkInput(ids, batch: batch)
        let positions = (0..<batch).flatMap { _ in (0..<t).map { Int32($0) } }
        return try hiddenStates(ids, shape: [batch, t], positions: positions, segments: nil)
    }

    /// GPT runs packed rows: the position embedding takes the rows' positions, attention their segments.
    public var supportsPackedRows: Bool { true }

    /// ids: (B, T) laid out by `rows` -> (B, T, C), each token as in its own unpacked row (see `PackedRows`).
    public func lastHiddenStates(_ ids: [Int32], batch: Int, rows: PackedRows) throws -> Variable {
        let t = try checkPackedInput(ids, batch: batch, rows: rows)
        return try hiddenStates(ids, shape: [batch, t], positions: rows.positions, segments: rows.segments)
    }

    /// Embeddings at `positions`, the blocks (attention under `segments` when given), the final norm.
    private func hiddenStates(_ ids: [Int32], shape: [Int], positions: [Int32], segments: [Int32]?) throws -> Variable {
        var x = try Variable.embedding(weight: wte, ids: ids, shape: shape)
            + Variable.embedding(weight: wpe, ids: positions, shape: shape)
        let dropout = checkpointActivations ? LoRADropoutCheckpointing.sources(linearModules.map(\.1)) : []
        for block in blocks {
            x = checkpointActivations
                ? try LoRADropoutCheckpointing.checkpointed(x, parameters: block.parametersWithAdapters, sources: dropout) { try block($0, segments: segments) }
                : try block(x, segments: segments)
        }
        return try lnF(x)
    }

    /// hidden: (N, C) -> logits (N, V) through the head tied to the token embedding.
    public func outputLogits(_ hidden: Variable) throws -> Variable {
        try Variable.matmul(hidden, wte, transposeB: true)
    }

    /// The tied head fused with the target log-probs, only at scored rows (see `CausalLanguageModel`).
    public func targetLogProbs(hidden: Variable, targets: [Int32]) throws -> Variable {
        try Variable.projectedTargetLogProbs(hidden: hidden, weight: wte, targets: targets)
    }

    /// Every parameter under its Hugging Face name; the head is tied, so `lm_head.weight` is not listed.
    public var namedParameters: [(String, Variable)] {
        var out: [(String, Variable)] = [("transformer.wte.weight", wte), ("transformer.wpe.weight", wpe)]
        for (i, b) in blocks.enumerated() { out += b.scoped("transformer.h.\(i)") }
        return out + lnF.scoped("transformer.ln_f")
    }

    /// c_attn, attn.c_proj, c_fc and mlp.c_proj of every block, under `transformers`' module names.
    public var linearModules: [(String, AdaptableLinear)] {
        blocks.enumerated().flatMap { i, b in b.linearLayers.map { ("transformer.h.\(i).\($0.0)", $0.1) } }
    }

    /// PEFT's default target for GPT-2.
    public var defaultLoRATargets: [String] { ["c_attn"] }

    // MARK: CausalLanguageModel

    /// GPT-2 folders say `gpt2`.
    public static var modelTypes: [String] { ["gpt2"] }

    /// A fresh model from `config.json` bytes (HF GPT-2 keys).
    public static func make(configJSON: Data, seed: UInt64) throws -> GPT {
        try GPT(JSONDecoder().decode(GPTConfig.self, from: configJSON), seed: seed)
    }

    /// The shapes of a validated config (limits first, so nothing absurd is ever computed).
    public static func expectedTensorShapes(configJSON: Data) throws -> [(String, [Int])]? {
        let config = try JSONDecoder().decode(GPTConfig.self, from: configJSON)
        try config.validate()
        return config.tensorShapes
    }

    /// The config under the keys `transformers.GPT2Config` reads.
    public func configJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(config)
    }

    /// `vocab_size`.
    public var vocabularySize: Int { config.vocabSize }
    /// `n_positions`.
    public var contextLength: Int { config.nPositions }
    /// `n_embd`.
    public var hiddenSize: Int { config.nEmbd }
    /// `eos_token_id`.
    public var configEOSTokenId: Int32? { Int32(config.eosTokenId) }

    /// A cache of every layer's keys and values for the whole context.
    public func makeKVCache() -> KVCache { KVCache(for: config) }

    /// Hub GPT-2 files name tensors with or without `transformer.` and carry the tied `lm_head.weight` and
    /// attention-mask buffers, which are ignored.
    public func parameterName(forStoredTensor name: String) -> String? {
        if name == "lm_head.weight" || name.hasSuffix(".attn.bias") || name.hasSuffix(".attn.masked_bias") { return nil }
        return name.hasPrefix("transformer.") ? name : "transformer." + name
    }
}

// MARK: - Decoding with a KV cache

extension KVCache {
    /// An empty GPT-2 cache: every layer's keys and values, (n_positions, n_embd).
    public init(for config: GPTConfig) {
        self.init(layers: config.nLayer, capacity: config.nPositions, width: config.nEmbd)
    }
}

extension GPT {
    /// Runs `ids` (batch 1) at positions cache.length… through the model, appending to the cache;
    /// returns the logits (V) of the last position.
    public func forwardCached(_ ids: [Int32], cache: inout KVCache) throws -> Tensor {
        guard cache.length + ids.count <= config.nPositions else {
            throw ModelError.invalidInput("sequence of \(cache.length + ids.count) tokens is longer than the context of \(config.nPositions)")
        }
        _ = try checkInput(ids, batch: 1)
        // One new position is a matrix–vector product per layer: too little work to hand half of it to a second
        // OpenBLAS thread, whose wake-up and spin-wait cost more than the product itself.
        let threads = ids.count == 1 && parameterCount < Self.singleThreadDecodeLimit ? 1 : BLAS.threads
        let spin = ids.count == 1 && threads > 1 ? BLAS.decodingPoolSpinNanoseconds : 0
        return try BLAS.withThreads(threads) { try BLAS.withPoolSpin(spin) { try withNoGrad {
            let n = ids.count
            let positions = (0..<n).map { Int32(cache.length + $0) }
            var x = try Variable.embedding(weight: wte, ids: ids, shape: [n])
                + Variable.embedding(weight: wpe, ids: positions, shape: [n])
            for (layer, block) in blocks.enumerated() {
                let qkv = try block.attn.cAttn(block.ln1(x)).value
                let attended = try CachedAttentionKernel.forward(
                    qkv: qkv, heads: config.nHead, start: cache.length,
                    keys: &cache.keys[layer], values: &cache.values[layer])
                x = try x + block.attn.cProj(Variable(attended))
                x = try x + block.mlp(block.ln2(x))
            }
            cache.length += n
            let last = try lnF(x).value.reshaped([n, config.nEmbd])
            let lastRow = Tensor(shape: [1, config.nEmbd], Array(last.scalars[((n - 1) * config.nEmbd)...]))
            return try Tensor.matmul(lastRow, wte.value, transposeB: true).reshaped([config.vocabSize])
        } } }
    }

    /// Models below this many parameters decode one token single-threaded. `bench generate` measured both
    /// configs faster that way (small, 10.8M: ~690 vs ~590 tokens/s); past a few tens of millions the weights
    /// outgrow the caches and decoding is bound by memory bandwidth, which both cores share better.
    /// Settable so `bench generate --single-thread-below` can time both sides of it in one build.
    nonisolated(unsafe) public static var singleThreadDecodeLimit = 32_000_000
}
