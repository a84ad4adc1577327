import Foundation
import TensorCore

/// RoPE's inverse frequencies and cos/sin tables for a config, as `transformers` computes them (Float32 angles
/// p · inv_freq, then cos/sin).
public enum RotaryTables {
    /// inv_freq (D/2) for a head size D, with the config's scaling; `sequenceLength` matters only for dynamic NTK,
    /// whose base grows once a sequence passes `max_position_embeddings`.
    public static func inverseFrequencies(_ config: LlamaConfig, sequenceLength: Int) -> [Float] {
        let d = config.headDim
        func base(_ theta: Double) -> [Double] { (0..<(d / 2)).map { 1 / pow(theta, Double(2 * $0) / Double(d)) } }
        switch config.ropeScaling {
        case .none:
            return base(config.ropeTheta).map { Float($0) }
        case let .linear(factor):
            return base(config.ropeTheta).map { Float(Float($0) / Float(factor)) }
        case let .dynamic(factor):
            let maxPositions = Double(config.maxPositions)
            let length = max(Double(sequenceLength), maxPositions)
            let theta = config.ropeTheta * pow(factor * length / maxPositions - (factor - 1), Double(d) / Double(d - 2))
            return base(theta).map { Float($0) }
        case let .llama3(factor, low, high, original):
            let lowWavelength = Double(original) / low, highWavelength = Double(original) / high
            return base(config.ropeTheta).map { f64 in
                let f = Double(Float(f64))
                let wavelength = 2 * Double.pi / f
                if wavelength < highWavelength { return Float(f) }
                if wavelength > lowWavelength { return Float(f / factor) }
                let smooth = (Double(original) / wavelength - low) / (high - low)
                return Float((1 - smooth) * f / factor + smooth * f)
            }
        }
    }

    /// cos and sin, each (count, D/2), for positions start..<start+count.
    public static func tables(_ config: LlamaConfig, start: Int, count: Int) -> (cos: Tensor, sin: Tensor) {
        tables(config, positions: (start..<(start + count)).map { Int32($0) }, sequenceLength: start + count)
    }

    /// cos and sin, each (N, D/2), one row per entry of `positions` (packed rows); the sequence length dynamic NTK
    /// sees defaults to the largest position + 1.
    public static func tables(_ config: LlamaConfig, positions: [Int32], sequenceLength: Int? = nil) -> (cos: Tensor, sin: Tensor) {
        let count = positions.count
        let inv = inverseFrequencies(config, sequenceLength: sequenceLength ?? (Int(positions.max() ?? 0) + 1))
        let half = inv.count
        var c = [Float](repeating: 0, count: count * half), s = c
        for p in 0..<count {
            let position = Float(positions[p])
            for i in 0..<half {
                let angle = Double(position * inv[i])
                c[p * half + i] = Float(Foundation.cos(angle))
                s[p * half + i] = Float(Foundation.sin(angle))
            }
        }
        return (Tensor(shape: [count, half], c), Tensor(shape: [count, half], s))
    }
}
