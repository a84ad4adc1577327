import Autograd

/// Hinge (SLiC-style): ℓ = max(0, 1 − β h).
public struct HingeLoss: PreferenceLoss {
    /// Scale of the margin.
    public var beta: Float
    public var name: String { "hinge" }
    /// Hinge with `beta`.
    public init(beta: Float = 0.1) { self.beta = beta }
    public func perPairLoss(_ batch: PairLogProbs) throws -> Variable {
        (try batch.logRatioMargin() * -beta + 1).relu()
    }
}
