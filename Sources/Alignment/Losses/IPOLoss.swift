import Datasets
import Autograd
import TensorCore

/// IPO (Azar et al. 2023): ℓ = (h − 1/(2β))², with h not scaled by β.
///
/// Which h: by default the margin of *summed* response log-probs, h = [log π(y_w) − log π_ref(y_w)] −
/// [log π(y_l) − log π_ref(y_l)] — the GRPO reference code's form, which this project's group-robust results
/// follow. TRL's `DPOTrainer(loss_type="ipo")` instead averages each log-ratio over its completion tokens
/// (response + EOS), h = (log π(y_w) − log π_ref(y_w))/|y_w| − (log π(y_l) − log π_ref(y_l))/|y_l|; set
/// `averageLogProbs` (`--ipo-average-logps`) for that form. The two differ by the response lengths, so the same β
/// targets a margin 1/(2β) of a different size: summed margins grow with length, averaged ones do not.
public struct IPOLoss: PreferenceLoss {
    /// Regularisation strength; the target margin is 1/(2β).
    public var beta: Float
    /// Average each log-ratio over its tokens (TRL) instead of summing them (GRPO reference code, default).
    public var averageLogProbs: Bool
    /// The name used on the command line and in metrics.
    public var name: String { "ipo" }
    /// IPO with `beta`, on summed log-ratios unless `averageLogProbs`.
    public init(beta: Float = 0.1, averageLogProbs: Bool = false) {
        self.beta = beta
        self.averageLogProbs = averageLogProbs
    }
    /// ℓ_i for every pair, (N), by the formula in the type comment.
    public func perPairLoss(_ batch: PairLogProbs) throws -> Variable {
        let h: Variable
        if averageLogProbs {
            let wLen = Tensor(shape: [batch.count], batch.chosenLengths.map { Float(max($0, 1)) })
            let lLen = Tensor(shape: [batch.count], batch.rejectedLengths.map { Float(max($0, 1)) })
            let chosen = try (batch.policyChosen - Variable(batch.referenceChosen)) / Variable(wLen)
            let rejected = try (batch.policyRejected - Variable(batch.referenceRejected)) / Variable(lLen)
            h = try chosen - rejected
        } else {
            h = try batch.logRatioMargin()
        }
        return (h + (-1 / (2 * beta))).pow(2)
    }
}
