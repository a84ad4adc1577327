import Datasets
import Autograd
import Models
import Training
import TensorCore

/// Evaluates a policy on preference pairs: per-pair loss and TRL metrics per group, without gradients.
public enum PreferenceEvaluator {
    /// Per-pair values of `model` on `set` against cached reference log-probs.
    public static func pairValues(model: any CausalLanguageModel, set: PreferenceSet, reference: ReferenceLogProbs, loss: PreferenceLoss,
                                  padId: Int32, batchSize: Int = 16) throws -> [PreferenceMetrics.PairValues] {
        var out: [PreferenceMetrics.PairValues] = []
        try withNoGrad {
            for start in stride(from: 0, to: set.pairs.count, by: batchSize) {
                let idx = Array(start..<min(start + batchSize, set.pairs.count))
                let batch = try PreferenceBatch(model: model, pairs: idx.map { set.pairs[$0] },
                                                referenceChosen: idx.map { reference.chosen[$0] },
                                                referenceRejected: idx.map { reference.rejected[$0] }, padId: padId)
                let l = try loss.perPairLoss(batch.logProbs).value.scalars
                out += batch.values(losses: l)
            }
        }
        return out
    }

    /// Overall, per-group, worst-group and average metrics of `model` on `set`.
    public static func evaluate(model: any CausalLanguageModel, set: PreferenceSet, reference: ReferenceLogProbs, loss: PreferenceLoss,
                                beta: Float, padId: Int32) throws -> [String: Double] {
        PreferenceMetrics.compute(try pairValues(model: model, set: set, reference: reference, loss: loss, padId: padId),
                                  groups: set.groups, beta: beta)
    }
}

/// One minibatch of pairs run through the policy in a single concatenated forward pass (chosen then rejected).
struct PreferenceBatch {
    let pairs: [EncodedPair]
    let logProbs: PairLogProbs

    init(model: any CausalLanguageModel, pairs: [EncodedPair], referenceChosen: [Float], referenceRejected: [Float], padId: Int32) throws {
        let n = pairs.count
        let lp = try SequenceLogProbs.pairs(model: model, chosen: pairs.map(\.chosen), rejected: pairs.map(\.rejected), padId: padId)
        self.init(pairs: pairs, policyChosen: try lp.sliced(axis: 0, range: 0..<n), policyRejected: try lp.sliced(axis: 0, range: n..<(2 * n)),
                  referenceChosen: referenceChosen, referenceRejected: referenceRejected)
    }

    /// A batch from the policy's log-probs already computed (e.g. micro-batch by micro-batch).
    init(pairs: [EncodedPair], policyChosen: Variable, policyRejected: Variable, referenceChosen: [Float], referenceRejected: [Float]) {
        self.pairs = pairs
        let n = pairs.count
        logProbs = PairLogProbs(policyChosen: policyChosen, policyRejected: policyRejected,
                                referenceChosen: Tensor(shape: [n], referenceChosen),
                                referenceRejected: Tensor(shape: [n], referenceRejected),
                                chosenLengths: pairs.map(\.chosen.responseLength),
                                rejectedLengths: pairs.map(\.rejected.responseLength))
    }

    /// The metric inputs of each pair given its loss.
    func values(losses: [Float]) -> [PreferenceMetrics.PairValues] {
        let pc = logProbs.policyChosen.value.scalars, pr = logProbs.policyRejected.value.scalars
        let rc = logProbs.referenceChosen.scalars, rr = logProbs.referenceRejected.scalars
        return pairs.indices.map {
            PreferenceMetrics.PairValues(policyChosen: pc[$0], policyRejected: pr[$0], referenceChosen: rc[$0],
                                         referenceRejected: rr[$0], loss: losses[$0], group: pairs[$0].group)
        }
    }
}
