import Datasets
import Autograd

/// IPO (Azar et al. 2023): ℓ = (h − 1/(2β))², with h not scaled by β.
public struct IPOLoss: PreferenceLoss {
    /// Regularisation strength; the target margin is 1/(2β).
    public var beta: Float
    /// The name used on the command line and in metrics.
    public var name: String { "ipo" }
    /// IPO with `beta`.
    public init(beta: Float = 0.1) { self.beta = beta }
    /// ℓ_i for every pair, (N), by the formula in the type comment.
    public func perPairLoss(_ batch: PairLogProbs) throws -> Variable {
        (try batch.logRatioMargin() + (-1 / (2 * beta))).pow(2)
    }
}
