import Datasets
import Autograd

/// Hinge (SLiC-style): ℓ = max(0, 1 − β h).
public struct HingeLoss: PreferenceLoss {
    /// Scale of the margin.
    public var beta: Float
    /// The name used on the command line and in metrics.
    public var name: String { "hinge" }
    /// Hinge with `beta`.
    public init(beta: Float = 0.1) { self.beta = beta }
    /// ℓ_i for every pair, (N), by the formula in the type comment.
    public func perPairLoss(_ batch: PairLogProbs) throws -> Variable {
        (try batch.logRatioMargin() * -beta + 1).relu()
    }
}
