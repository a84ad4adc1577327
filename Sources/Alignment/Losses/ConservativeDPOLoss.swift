import Datasets
import Autograd

/// Conservative DPO (label smoothing ε, for noisy preferences): ℓ = −(1−ε) log σ(βh) − ε log σ(−βh).
public struct ConservativeDPOLoss: PreferenceLoss {
    /// Inverse temperature.
    public var beta: Float
    /// Probability that a label is flipped.
    public var labelSmoothing: Float
    /// The name used on the command line and in metrics.
    public var name: String { "cdpo" }
    /// Conservative DPO with `beta` and smoothing `labelSmoothing`.
    public init(beta: Float = 0.1, labelSmoothing: Float = 0.1) {
        self.beta = beta
        self.labelSmoothing = labelSmoothing
    }
    /// ℓ_i for every pair, (N), by the formula in the type comment.
    public func perPairLoss(_ batch: PairLogProbs) throws -> Variable {
        let h = try batch.logRatioMargin()
        return try (h * beta).logSigmoid() * -(1 - labelSmoothing) + (h * -beta).logSigmoid() * -labelSmoothing
    }
}
