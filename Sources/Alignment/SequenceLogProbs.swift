import Datasets
import Autograd
import Models
import Training
import TensorCore

/// Sequence log-probabilities: log π(y|x) = Σ_t m[t+1] · log_softmax(z[t])[ids[t+1]] over response tokens
/// (and EOS) only — a sum, not a mean (ALGORITHMS.md §1).
public enum SequenceLogProbs {
    /// Pads `sequences` into one batch (padding is masked out) and returns their summed response log-probs, (S).
    /// Differentiable with respect to the model's parameters unless called under `withNoGrad`. The vocabulary
    /// projection runs at response positions only, a chunk at a time (`scoredLogProbs`).
    public static func compute(model: any CausalLanguageModel, sequences: [EncodedSequence], padId: Int32) throws -> Variable {
        let (ids, targets, t) = batch(sequences, padId: padId)
        let perToken = try model.scoredLogProbs(ids, targets: targets, batch: sequences.count)
        return try perToken.reshaped([sequences.count, t]).sum(axis: 1)
    }

    /// Summed response log-probs of `sequences`, (S) in their order, where each of `groups` (indices into
    /// `sequences`) shares a prompt: the prompt runs once per group in a packed row (`SharedPrefixBatch`) when
    /// the model supports it and `PrefixSharing.isEnabled`; otherwise this is `compute(model:sequences:padId:)`.
    /// Equal to it up to float rounding, values and gradients alike.
    public static func compute(model: any CausalLanguageModel, sequences: [EncodedSequence], sharing groups: [[Int]],
                               padId: Int32) throws -> Variable {
        guard PrefixSharing.isEnabled, model.supportsPackedRows, groups.contains(where: { $0.count > 1 }) else {
            return try compute(model: model, sequences: sequences, padId: padId)
        }
        let packed = try SharedPrefixBatch(sequences: sequences, groups: groups, padId: padId)
        let hidden = try model.lastHiddenStates(packed.ids, batch: packed.rows, rows: packed.layout)
        let perToken = try model.targetLogProbs(hidden: hidden.reshaped([-1, model.hiddenSize]), targets: packed.targets)
        // Sum each sequence's scored positions: a (S, N) 0/1 matrix times the (N) per-token log-probs.
        let n = packed.owners.count
        var membership = [Float](repeating: 0, count: sequences.count * n)
        for (p, owner) in packed.owners.enumerated() where owner >= 0 { membership[owner * n + p] = 1 }
        let sums = try Variable.matmul(Variable(Tensor(shape: [sequences.count, n], membership)), perToken.reshaped([n, 1]))
        return try sums.reshaped([sequences.count])
    }

    /// Summed response log-probs of pairs sharing their prompts, chosen then rejected, (2·n) — the layout of
    /// `compute(model:sequences:padId:)` on `chosen + rejected` — with each pair's prompt run once.
    public static func pairs(model: any CausalLanguageModel, chosen: [EncodedSequence], rejected: [EncodedSequence],
                             padId: Int32) throws -> Variable {
        let n = chosen.count
        return try compute(model: model, sequences: chosen + rejected, sharing: (0..<n).map { [$0, $0 + n] }, padId: padId)
    }

    /// Inputs (S·T) padded with `padId` and targets (S·T) that are -100 except where the next token is a
    /// response token, so only response positions count.
    public static func batch(_ sequences: [EncodedSequence], padId: Int32) -> (ids: [Int32], targets: [Int32], t: Int) {
        let t = sequences.map(\.ids.count).max() ?? 1
        var ids = [Int32](repeating: padId, count: sequences.count * t)
        var targets = [Int32](repeating: -100, count: sequences.count * t)
        for (s, seq) in sequences.enumerated() {
            for (i, id) in seq.ids.enumerated() { ids[s * t + i] = id }
            // logits at position p predict ids[p+1]; count it when p+1 is a response position.
            if let mask = seq.lossMask {
                for p in 0..<max(seq.ids.count - 1, 0) where mask[p + 1] { targets[s * t + p] = seq.ids[p + 1] }
                continue
            }
            for p in max(seq.responseStart - 1, 0)..<(seq.ids.count - 1) { targets[s * t + p] = seq.ids[p + 1] }
        }
        return (ids, targets, t)
    }
}
