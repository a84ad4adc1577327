import Foundation
import Autograd
import TensorCore

/// Keys and values of every layer for the positions decoded so far (batch 1).
public struct KVCache {
    /// Per layer, (n_positions, C).
    var keys: [Tensor]
    /// Per layer, (n_positions, C).
    var values: [Tensor]
    /// Number of positions stored.
    public internal(set) var length = 0

    /// An empty cache sized for the model's full context.
    public init(for config: GPTConfig) {
        keys = (0..<config.nLayer).map { _ in Tensor.zeros([config.nPositions, config.nEmbd]) }
        values = keys
    }
}

/// How to pick the next token from logits.
public struct SamplingOptions: Sendable {
    /// Softmax temperature; 0 means greedy (argmax).
    public var temperature: Float
    /// Keep only the k most likely tokens (0 = all).
    public var topK: Int
    /// Keep the smallest set of tokens whose probability reaches p (1 = all).
    public var topP: Float

    /// Sampling settings; the defaults are greedy decoding.
    public init(temperature: Float = 0, topK: Int = 0, topP: Float = 1) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
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
        return try BLAS.withThreads(threads) { try withNoGrad {
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
        } }
    }

    /// Models below this many parameters decode one token single-threaded. `bench generate` measured both
    /// configs faster that way (small, 10.8M: ~690 vs ~590 tokens/s); past a few tens of millions the weights
    /// outgrow the caches and decoding is bound by memory bandwidth, which both cores share better.
    static let singleThreadDecodeLimit = 32_000_000

    /// Logits (V) of the last position computed by the full forward pass, without a cache.
    public func lastLogits(_ ids: [Int32]) throws -> Tensor {
        let all = try withNoGrad { try logits(ids, batch: 1) }.value
        let v = config.vocabSize
        return Tensor(shape: [v], Array(all.scalars[((ids.count - 1) * v)...]))
    }

    /// Appends up to `maxNewTokens` tokens to `prompt`, stopping at `eos` (if given) or at the context limit.
    /// With `useCache` false every step reruns the whole sequence (for testing the cache).
    public func generate(prompt: [Int32], maxNewTokens: Int, sampling: SamplingOptions = SamplingOptions(),
                         eos: Int32? = nil, seed: UInt64 = 0, useCache: Bool = true) throws -> [Int32] {
        guard !prompt.isEmpty else { throw ModelError.invalidInput("the prompt is empty") }
        guard prompt.count <= config.nPositions else {
            throw ModelError.invalidInput("prompt of \(prompt.count) tokens is longer than the context of \(config.nPositions)")
        }
        var rng = SeededGenerator(seed: seed)
        var tokens = prompt
        var cache = KVCache(for: config)
        var logits = useCache ? try forwardCached(prompt, cache: &cache) : try lastLogits(prompt)
        for _ in 0..<maxNewTokens where tokens.count < config.nPositions {
            let next = Sampler.pick(logits, options: sampling, rng: &rng)
            tokens.append(next)
            if next == eos { break }
            if tokens.count >= config.nPositions { break }
            logits = useCache ? try forwardCached([next], cache: &cache) : try lastLogits(tokens)
        }
        return tokens
    }
}

/// Turns logits into a token id: greedy, or temperature / top-k / top-p sampling.
public enum Sampler {
    /// The chosen id for `logits` (V).
    public static func pick(_ logits: Tensor, options: SamplingOptions, rng: inout SeededGenerator) -> Int32 {
        let z = logits.scalars
        if options.temperature <= 0 {
            var best = 0
            for i in 1..<z.count where z[i] > z[best] { best = i }
            return Int32(best)
        }
        var order = Array(z.indices).sorted { z[$0] > z[$1] }
        if options.topK > 0 { order = Array(order.prefix(options.topK)) }
        let mx = z[order[0]]
        var probs = order.map { Double(expf((z[$0] - mx) / options.temperature)) }
        let total = probs.reduce(0, +)
        probs = probs.map { $0 / total }
        if options.topP < 1 {
            var acc = 0.0, keep = 0
            while keep < probs.count && acc < Double(options.topP) { acc += probs[keep]; keep += 1 }
            order = Array(order.prefix(max(keep, 1)))
            probs = Array(probs.prefix(max(keep, 1)))
            let s = probs.reduce(0, +)
            probs = probs.map { $0 / s }
        }
        var u = rng.nextUniformDouble()
        for (i, p) in probs.enumerated() {
            u -= p
            if u < 0 { return Int32(order[i]) }
        }
        return Int32(order[order.count - 1])
    }
}
