import Datasets
import Autograd

/// DPO (Rafailov et al. 2023): ℓ = −log σ(β h) = softplus(−β h).
public struct DPOLoss: PreferenceLoss {
    /// Inverse temperature; TRL's default is 0.1.
    public var beta: Float
    /// The name used on the command line and in metrics.
    public var name: String { "dpo" }
    /// DPO with `beta`.
    public init(beta: Float = 0.1) { self.beta = beta }
    /// ℓ_i for every pair, (N), by the formula in the type comment.
    public func perPairLoss(_ batch: PairLogProbs) throws -> Variable {
        (try batch.logRatioMargin() * -beta).softplus()
    }
}
