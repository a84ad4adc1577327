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
}
