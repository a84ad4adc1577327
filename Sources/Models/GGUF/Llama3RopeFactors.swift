import Foundation

/// Llama 3.1's frequency-dependent RoPE scaling (`rope_scaling.rope_type` "llama3"), which llama.cpp keeps not in
/// metadata but as a generated tensor `rope_freqs.weight`: one divisor per rotary frequency (head_dim / 2 values),
/// as `convert_hf_to_gguf.py` computes it: for inverse frequency f (float32 `1 / theta^(2i/d)`) with wavelength
/// λ = 2π / f, the divisor is 1 when λ < L / high, `factor` when λ > L / low, and otherwise
/// 1 / ((1 − s) / factor + s) with s = (L / λ − low) / (high − low); L is `original_max_position_embeddings`.
public struct Llama3RopeScaling: Equatable, Sendable {
    /// `factor`: the divisor of the lowest frequencies.
    public var factor: Double
    /// `low_freq_factor`: wavelengths above L / low are divided by `factor`.
    public var lowFreqFactor: Double
    /// `high_freq_factor`: wavelengths below L / high are kept.
    public var highFreqFactor: Double
    /// `original_max_position_embeddings` (L).
    public var originalContextLength: Int

    /// Memberwise; the defaults are those of every Llama 3.1 / 3.2 release.
    public init(factor: Double, lowFreqFactor: Double = 1, highFreqFactor: Double = 4, originalContextLength: Int = 8192) {
        self.factor = factor
        self.lowFreqFactor = lowFreqFactor
        self.highFreqFactor = highFreqFactor
        self.originalContextLength = originalContextLength
    }

    /// The `rope_freqs.weight` values for `theta` and `headDim`.
    public func factors(theta: Double, headDim: Int) -> [Float] {
        let L = Double(originalContextLength)
        let lowWavelen = L / lowFreqFactor, highWavelen = L / highFreqFactor
        return stride(from: 0, to: headDim, by: 2).map { i in
            let f = Double(1 / powf(Float(theta), Float(i) / Float(headDim)))
            let wavelen = 2 * Double.pi / f
            if wavelen < highWavelen { return 1 }
            if wavelen > lowWavelen { return Float(factor) }
            let s = (L / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor)
            return Float(1 / ((1 - s) / factor + s))
        }
    }

    /// The `rope_scaling` entry of config.json.
    public var huggingFace: [String: Any] {
        ["rope_type": "llama3", "factor": factor, "low_freq_factor": lowFreqFactor, "high_freq_factor": highFreqFactor,
         "original_max_position_embeddings": originalContextLength]
    }

    /// Recovers the scaling from a `rope_freqs.weight` tensor. Only `factor` can be read off the tensor (its
    /// largest value); the band edges are taken as the Llama 3.1 defaults and accepted only if they reproduce the
    /// tensor to 1e-5 relative. Nil otherwise.
    public static func recover(from values: [Float], theta: Double, headDim: Int) -> Llama3RopeScaling? {
        guard values.count == headDim / 2, let top = values.max(), top >= 1 else { return nil }
        let guess = Llama3RopeScaling(factor: Double("\(top)") ?? Double(top))
        let again = guess.factors(theta: theta, headDim: headDim)
        for (a, b) in zip(again, values) where abs(a - b) > 1e-5 * max(1, abs(b)) { return nil }
        return guess
    }
}
