import Autograd

/// One latent type's policy as EM-DPO needs it: differentiable log-ratios of the responses of any lists and an
/// optimiser step. Two implementations: `GPTTypePolicy` (a transformer checkpoint) and, in the tests, a
/// log-linear toy policy — the EM loop does not know which it runs.
public protocol EMTypePolicy: AnyObject {
    /// log π(y|x) − log π_ref(y|x) of every response of lists `lists` (indices into the EM data), concatenated
    /// list after list in each list's response order, (S). Differentiable unless called under `withNoGrad`.
    func logRatios(_ lists: [Int]) throws -> Variable
    /// One optimiser step (0-based `index`) minimising the scalar `objective`; returns its value.
    func step(_ index: Int, objective: () throws -> Variable) throws -> Float
}
