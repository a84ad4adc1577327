import Foundation
import TensorCore

/// nanoGPT's learning-rate schedule: linear warmup, then half a cosine down to `minLR`, then `minLR`.
///
///     step < warmup:          baseLR · (step + 1) / warmup
///     warmup ≤ step < total:  minLR + ½ (1 + cos(π · (step − warmup) / (total − warmup))) · (baseLR − minLR)
///     step ≥ total:           minLR
public struct CosineSchedule: Codable, Sendable {
    /// Peak learning rate, reached at the end of warmup.
    public let baseLR: Float
    /// Number of warmup steps (0: start at the peak).
    public let warmupSteps: Int
    /// Step at which the decay reaches `minLR`.
    public let totalSteps: Int
    /// Floor of the decay.
    public let minLR: Float

    /// Throws when a rate is negative or not finite, or the step counts are negative or `totalSteps < warmupSteps`.
    public init(baseLR: Float, warmupSteps: Int, totalSteps: Int, minLR: Float = 0) throws {
        let op = "CosineSchedule"
        for (name, value) in [("baseLR", baseLR), ("minLR", minLR)] {
            guard value.isFinite && value >= 0 else { throw TensorError.invalidArgument(op: op, "\(name) = \(value) must be finite and >= 0") }
        }
        guard warmupSteps >= 0, totalSteps >= warmupSteps else {
            throw TensorError.invalidArgument(op: op, "need 0 <= warmupSteps (\(warmupSteps)) <= totalSteps (\(totalSteps))")
        }
        self.baseLR = baseLR
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minLR = minLR
    }

    private enum CodingKeys: String, CodingKey { case baseLR, warmupSteps, totalSteps, minLR }

    /// Decodes and validates like `init(baseLR:warmupSteps:totalSteps:minLR:)`, so a bad config file throws.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(baseLR: c.decode(Float.self, forKey: .baseLR), warmupSteps: c.decode(Int.self, forKey: .warmupSteps),
                      totalSteps: c.decode(Int.self, forKey: .totalSteps), minLR: c.decode(Float.self, forKey: .minLR))
    }

    /// The learning rate for 0-based `step` (negative steps count as 0).
    public func lr(at step: Int) -> Float {
        let s = max(step, 0)
        if s < warmupSteps { return Float(Double(baseLR) * Double(s + 1) / Double(warmupSteps)) }
        if s >= totalSteps { return minLR }
        let ratio = Double(s - warmupSteps) / Double(totalSteps - warmupSteps)
        let coefficient = 0.5 * (1 + cos(Double.pi * ratio))
        return Float(Double(minLR) + coefficient * (Double(baseLR) - Double(minLR)))
    }

    /// Same as `lr(at:)`.
    public func callAsFunction(_ step: Int) -> Float { lr(at: step) }
}
