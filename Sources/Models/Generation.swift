import Foundation
import Autograd
import TensorCore

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

extension CausalLanguageModel {
    /// Logits (V) of the last position computed by the full forward pass, without a cache.
    public func lastLogits(_ ids: [Int32]) throws -> Tensor {
        let all = try withNoGrad { try logits(ids, batch: 1) }.value
        let v = vocabularySize
        return Tensor(shape: [v], Array(all.scalars[((ids.count - 1) * v)...]))
    }

    /// Appends up to `maxNewTokens` tokens to `prompt`, stopping at `eos` (if given) or at the context limit.
    /// With `useCache` false every step reruns the whole sequence (for testing the cache).
    public func generate(prompt: [Int32], maxNewTokens: Int, sampling: SamplingOptions = SamplingOptions(),
                         eos: Int32? = nil, seed: UInt64 = 0, useCache: Bool = true) throws -> [Int32] {
        guard !prompt.isEmpty else { throw ModelError.invalidInput("the prompt is empty") }
        guard prompt.count <= contextLength else {
            throw ModelError.invalidInput("prompt of \(prompt.count) tokens is longer than the context of \(contextLength)")
        }
        var rng = SeededGenerator(seed: seed)
        var tokens = prompt
        var cache = makeKVCache()
        var logits = useCache ? try forwardCached(prompt, cache: &cache) : try lastLogits(prompt)
        for _ in 0..<maxNewTokens where tokens.count < contextLength {
            let next = Sampler.pick(logits, options: sampling, rng: &rng)
            tokens.append(next)
            if next == eos { break }
            if tokens.count >= contextLength { break }
            logits = useCache ? try forwardCached([next], cache: &cache) : try lastLogits(tokens)
        }
        return tokens
    }
}

/// Turns logits into a token id: greedy, or temperature / top-k / top-p sampling.
public enum Sampler {
    /// The chosen id for `logits` (V).
    public static func pick(_ logits: Tensor, options: SamplingOptions, rng: inout SeededGenerator) -> Int32 {
        if options.temperature <= 0 {
            // In place: copying a 49152-entry vocabulary's logits out costs as much as scanning them.
            return logits.withUnsafeBufferPointer { z in
                var best = 0
                for i in 1..<z.count where z[i] > z[best] { best = i }
                return Int32(best)
            }
        }
        let z = logits.scalars
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
