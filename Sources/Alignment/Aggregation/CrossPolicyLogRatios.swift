import Datasets
import Autograd
import Models
import Training

/// Estimates L[i, j] = mean over prompts x and samples y ∼ π_j(·|x) of log π_i(y|x) − log π_ref(y|x)
/// (ALGORITHMS.md §7) by sampling every policy and scoring every sample under every policy and the reference.
public enum CrossPolicyLogRatios {
    /// Sequences scored per forward pass.
    static let scoringBatch = 16

    /// The generation seed of sample `sample` of prompt `prompt` from policy `policy`: a SplitMix64 mix of the
    /// indices, so each sample is reproducible on its own (and the samples of two policies are unrelated).
    public static func sampleSeed(base: UInt64, policy: Int, prompt: Int, sample: Int) -> UInt64 {
        var z = base
        for part in [policy, prompt, sample] {
            z = (z ^ UInt64(truncatingIfNeeded: part)) &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
        }
        return z
    }

    /// One sampled response to `prompt` (ids) from `policy` at temperature 1: the continuation up to (not
    /// including) the first EOS, or `maxNewTokens` tokens, then EOS — so its log-probability includes ending there.
    /// `maxNewTokens` must leave room for the EOS in `context`.
    public static func sample(policy: any CausalLanguageModel, prompt: [Int32], maxNewTokens: Int, eos: Int32, seed: UInt64) throws -> EncodedSequence {
        let out = try policy.generate(prompt: prompt, maxNewTokens: maxNewTokens, sampling: SamplingOptions(temperature: 1),
                                      eos: eos, seed: seed)
        var response = Array(out[prompt.count...])
        if response.last == eos { response.removeLast() }
        return EncodedSequence(ids: prompt + response + [eos], responseStart: prompt.count)
    }

    /// `samplesPerPrompt` samples from `policy` for every prompt, prompt-major, seeded by `sampleSeed`.
    public static func samples(policy: any CausalLanguageModel, index: Int, prompts: [[Int32]], samplesPerPrompt: Int, maxNewTokens: Int,
                               eos: Int32, seed: UInt64) throws -> [EncodedSequence] {
        var out: [EncodedSequence] = []
        for (p, prompt) in prompts.enumerated() {
            for s in 0..<samplesPerPrompt {
                out.append(try sample(policy: policy, prompt: prompt, maxNewTokens: maxNewTokens, eos: eos,
                                      seed: sampleSeed(base: seed, policy: index, prompt: p, sample: s)))
            }
        }
        return out
    }

    /// log π(y|x) of each sequence under `model` (response and EOS tokens only), in batches, without gradients.
    public static func logProbs(model: any CausalLanguageModel, sequences: [EncodedSequence], padId: Int32) throws -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(sequences.count)
        var start = 0
        while start < sequences.count {
            let chunk = Array(sequences[start..<min(start + scoringBatch, sequences.count)])
            let values = try withNoGrad { try SequenceLogProbs.compute(model: model, sequences: chunk, padId: padId) }.value
            out += values.scalars.map(Double.init)
            start += chunk.count
        }
        return out
    }

    /// L (K × K) for `policies` against `reference` on `prompts` (token ids, group prefix already applied), with
    /// the samples behind each column: `samples[j]` are the draws from π_j that column j averages over.
    public static func estimate(policies: [any CausalLanguageModel], reference: any CausalLanguageModel, prompts: [[Int32]], samplesPerPrompt: Int,
                                maxNewTokens: Int, eos: Int32, seed: UInt64) throws -> (logRatios: [[Double]], samples: [[EncodedSequence]]) {
        guard !policies.isEmpty else { throw AlignmentError.invalidInput("no policies to aggregate") }
        guard !prompts.isEmpty else { throw AlignmentError.invalidInput("no prompts to sample from") }
        guard samplesPerPrompt > 0 else { throw AlignmentError.invalidInput("samples per prompt must be positive, got \(samplesPerPrompt)") }
        let k = policies.count
        var logRatios = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        var allSamples: [[EncodedSequence]] = []
        for (j, policy) in policies.enumerated() {
            let ys = try samples(policy: policy, index: j, prompts: prompts, samplesPerPrompt: samplesPerPrompt,
                                 maxNewTokens: maxNewTokens, eos: eos, seed: seed)
            let ref = try logProbs(model: reference, sequences: ys, padId: eos)
            for (i, scorer) in policies.enumerated() {
                let own = try logProbs(model: scorer, sequences: ys, padId: eos)
                logRatios[i][j] = zip(own, ref).reduce(0) { $0 + ($1.0 - $1.1) } / Double(ys.count)
            }
            allSamples.append(ys)
        }
        return (logRatios, allSamples)
    }
}
