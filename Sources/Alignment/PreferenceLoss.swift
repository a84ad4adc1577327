import Datasets
import Autograd
import TensorCore

/// Summed response log-probabilities for a batch of N preference pairs: the policy's (differentiable) and the
/// reference model's (constants), plus response lengths in tokens (response + EOS) for length-normalised losses.
public struct PairLogProbs {
    /// log π(y_w | x), (N)
    public var policyChosen: Variable
    /// log π(y_l | x), (N)
    public var policyRejected: Variable
    /// log π_ref(y_w | x), (N)
    public var referenceChosen: Tensor
    /// log π_ref(y_l | x), (N)
    public var referenceRejected: Tensor
    /// |y_w| in tokens, (N)
    public var chosenLengths: [Int]
    /// |y_l| in tokens, (N)
    public var rejectedLengths: [Int]

    /// A batch; lengths default to 1 (which makes length normalisation a no-op).
    public init(policyChosen: Variable, policyRejected: Variable, referenceChosen: Tensor, referenceRejected: Tensor,
                chosenLengths: [Int]? = nil, rejectedLengths: [Int]? = nil) {
        self.policyChosen = policyChosen
        self.policyRejected = policyRejected
        self.referenceChosen = referenceChosen
        self.referenceRejected = referenceRejected
        let n = policyChosen.value.count
        self.chosenLengths = chosenLengths ?? Array(repeating: 1, count: n)
        self.rejectedLengths = rejectedLengths ?? Array(repeating: 1, count: n)
    }

    /// Number of pairs.
    public var count: Int { policyChosen.value.count }

    /// h = [log π(y_w) − log π_ref(y_w)] − [log π(y_l) − log π_ref(y_l)], (N): the implicit reward margin / β.
    public func logRatioMargin() throws -> Variable {
        let refMargin = try Tensor.sub(referenceChosen, referenceRejected)
        return try (policyChosen - policyRejected) - Variable(refMargin)
    }
}

/// A preference loss: maps a batch of pairs to one loss per pair, (N). Group weighting happens afterwards.
///
/// To add a loss: write a struct conforming to this protocol in `Sources/Alignment/Losses/` and add one line
/// to `PreferenceLosses.builtIn` (from outside the library: `PreferenceLosses.register`).
public protocol PreferenceLoss {
    /// The name used on the command line (`--method`) and in metrics.
    var name: String { get }
    /// Whether the loss reads reference log-probs (SimPO does not).
    var usesReference: Bool { get }
    /// ℓ_i for every pair, (N).
    func perPairLoss(_ batch: PairLogProbs) throws -> Variable
}

extension PreferenceLoss {
    /// Most preference losses compare against the reference model.
    public var usesReference: Bool { true }
}
