import Datasets
import Autograd
import Training

/// One latent type's policy as EM-DPO needs it: differentiable log-ratios of the responses of any lists, what
/// the M-step trains, and its optimiser settings. Two implementations: `LanguageModelTypePolicy` (a
/// transformer checkpoint) and, in the tests, a log-linear toy policy — the EM loop does not know which it runs.
public protocol EMTypePolicy: AnyObject {
    /// log π(y|x) − log π_ref(y|x) of every response of lists `lists` (indices into the EM data), concatenated
    /// list after list in each list's response order, (S). Differentiable unless called under `withNoGrad`.
    func logRatios(_ lists: [Int]) throws -> Variable
    /// The parameters an M-step trains and how a checkpoint stores them.
    var trainable: Trainable { get }
    /// The optimiser settings of one M-step of `steps` steps (batch size and seed are set by EM-DPO).
    func mStepSettings(steps: Int) -> TrainingSettings
    /// What the SFT term (`EMDPOConfig.sftWeight`) needs besides the log-ratios: per list of `lists`, the
    /// reference log-prob of its best-ranked response (so log π = log-ratio + reference) and that response's
    /// length in tokens. nil: the policy has no token likelihood (a feature-space toy), and the term is refused.
    func bestResponses(_ lists: [Int]) -> (referenceLogProbs: [Float], tokens: [Int])?
}

extension EMTypePolicy {
    /// No token likelihood unless the policy says otherwise.
    public func bestResponses(_ lists: [Int]) -> (referenceLogProbs: [Float], tokens: [Int])? { nil }
}
