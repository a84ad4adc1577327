import Datasets
import Autograd
import TensorCore

/// SimPO (Meng et al. 2024), reference-free: ℓ = −log σ(β (log π(y_w)/|y_w| − log π(y_l)/|y_l|) − γ),
/// with length-normalised log-probs and a target margin γ.
///
/// This file is the worked example of adding a loss: one struct, one line in `PreferenceLosses.builtIn`.
public struct SimPOLoss: PreferenceLoss {
    /// Scale of the length-normalised margin (the paper uses 2–2.5).
    public var beta: Float
    /// Target reward margin γ.
    public var gamma: Float
    /// The name used on the command line and in metrics.
    public var name: String { "simpo" }
    /// Reference-free: the reference log-probs are not read.
    public var usesReference: Bool { false }
    /// SimPO with `beta` and `gamma`.
    public init(beta: Float = 2, gamma: Float = 0.5) {
        self.beta = beta
        self.gamma = gamma
    }
    /// ℓ_i for every pair, (N), by the formula in the type comment.
    public func perPairLoss(_ batch: PairLogProbs) throws -> Variable {
        let wLen = Variable(Tensor(shape: [batch.count], batch.chosenLengths.map { Float($0) }))
        let lLen = Variable(Tensor(shape: [batch.count], batch.rejectedLengths.map { Float($0) }))
        let margin = try batch.policyChosen / wLen - batch.policyRejected / lLen
        return (margin * beta + (-gamma)).logSigmoid() * -1
    }
}
