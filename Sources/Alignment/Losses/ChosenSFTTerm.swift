import Autograd
import TensorCore

/// The SFT term TRL calls RPO (`rpo_alpha`), added to a preference objective: the negative log-likelihood per
/// token of the preferred responses. Without it DPO-style training lowers the chosen answers' likelihood along
/// with the rejected ones' (only the margin is rewarded), until the policy stops answering at all; with it the
/// preferred answers stay likely. `align` (every DPO-family method) and the M-steps of `em-dpo` add it through
/// this one function.
public enum ChosenSFTTerm {
    /// −weight · Σ_i w_i log π(y_i | x_i) / Σ_i |y_i|, a scalar: the mean negative log-likelihood per chosen
    /// token of the batch, as TRL's `nll_loss` (cross-entropy over the chosen tokens), scaled by `weight`.
    ///
    /// chosenLogProbs: (N) summed log-probs of the chosen responses (response + EOS), differentiable;
    /// tokens: N response lengths; exampleWeights: N per-example weights w_i (EM-DPO's posteriors of the
    /// example's annotator being of the trained type), nil for 1 each. The normaliser stays the batch's token
    /// count, as the weighted preference term keeps the batch's list count.
    public static func objective(chosenLogProbs: Variable, tokens: [Int], weight: Float,
                                 exampleWeights: [Float]? = nil) throws -> Variable {
        let count = Float(tokens.reduce(0, +))
        guard let exampleWeights else { return chosenLogProbs.sum() * (-weight / count) }
        let w = Variable(Tensor(shape: [exampleWeights.count], exampleWeights))
        return try (chosenLogProbs * w).sum() * (-weight / count)
    }
}
