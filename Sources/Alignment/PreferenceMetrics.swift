import Datasets
/// TRL's DPO metrics, overall and per group, plus the worst group and the unweighted group average
/// (ALGORITHMS.md §3). Keys: `loss`, `rewards/chosen`, `rewards/rejected`, `rewards/accuracies`,
/// `rewards/margins`, `logps/chosen`, `logps/rejected`, `logps/accuracies`, `group/<name>/…`,
/// `worst_group/…` (max of losses, min of accuracies) and `average/…`.
public enum PreferenceMetrics {
    /// Per-pair values the metrics are computed from.
    public struct PairValues {
        /// log π(y_w), log π(y_l), log π_ref(y_w), log π_ref(y_l) and the per-pair loss.
        public var policyChosen: Float, policyRejected: Float, referenceChosen: Float, referenceRejected: Float, loss: Float
        /// The pair's group index.
        public var group: Int

        /// Bundles one pair's values.
        public init(policyChosen: Float, policyRejected: Float, referenceChosen: Float, referenceRejected: Float,
                    loss: Float, group: Int) {
            self.policyChosen = policyChosen
            self.policyRejected = policyRejected
            self.referenceChosen = referenceChosen
            self.referenceRejected = referenceRejected
            self.loss = loss
            self.group = group
        }
    }

    /// The metric names computed for each set of pairs.
    public static let names = ["loss", "rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins",
                               "logps/chosen", "logps/rejected", "logps/accuracies"]

    /// Means over `values` (an empty list gives no entries).
    static func summarize(_ values: [PairValues], beta: Float) -> [String: Double] {
        guard !values.isEmpty else { return [:] }
        var sums = [String: Double]()
        for v in values {
            let rc = Double(beta) * Double(v.policyChosen - v.referenceChosen)
            let rr = Double(beta) * Double(v.policyRejected - v.referenceRejected)
            let add: [(String, Double)] = [
                ("loss", Double(v.loss)), ("rewards/chosen", rc), ("rewards/rejected", rr),
                ("rewards/accuracies", rc > rr ? 1 : 0), ("rewards/margins", rc - rr),
                ("logps/chosen", Double(v.policyChosen)), ("logps/rejected", Double(v.policyRejected)),
                ("logps/accuracies", v.policyChosen > v.policyRejected ? 1 : 0),
            ]
            for (k, x) in add { sums[k, default: 0] += x }
        }
        return sums.mapValues { $0 / Double(values.count) }
    }

    /// Overall, per-group, worst-group and average metrics.
    public static func compute(_ values: [PairValues], groups: [String], beta: Float) -> [String: Double] {
        var out = summarize(values, beta: beta)
        var perGroup: [[String: Double]] = []
        for (g, name) in groups.enumerated() {
            let m = summarize(values.filter { $0.group == g }, beta: beta)
            guard !m.isEmpty else { continue }
            perGroup.append(m)
            for (k, x) in m { out["group/\(PreferenceSet.displayName(name))/\(k)"] = x }
        }
        guard !perGroup.isEmpty else { return out }
        for k in names {
            let xs = perGroup.compactMap { $0[k] }
            let worst = k.hasSuffix("accuracies") ? xs.min()! : (k == "loss" ? xs.max()! : nil)
            if let worst { out["worst_group/\(k)"] = worst }
            out["average/\(k)"] = xs.reduce(0, +) / Double(xs.count)
        }
        return out
    }
}
