import Datasets
import Foundation

/// Jensen–Shannon comparison of two distributions over the same options, in bits, so every value lies in [0, 1].
public enum JensenShannon {
    /// JS divergence ½ KL(p‖m) + ½ KL(q‖m), m = ½(p + q), with log₂. Both inputs are normalised to sum to 1
    /// first. Throws when the lengths differ, a value is negative or not finite, or a sum is zero.
    public static func divergence(_ p: [Double], _ q: [Double]) throws -> Double {
        guard p.count == q.count, !p.isEmpty else {
            throw AlignmentError.invalidInput("Jensen–Shannon: distributions of \(p.count) and \(q.count) options")
        }
        let pn = try normalised(p), qn = try normalised(q)
        var total = 0.0
        for i in pn.indices {
            let m = 0.5 * (pn[i] + qn[i])
            if pn[i] > 0 { total += 0.5 * pn[i] * log2(pn[i] / m) }
            if qn[i] > 0 { total += 0.5 * qn[i] * log2(qn[i] / m) }
        }
        return min(max(total, 0), 1)
    }

    /// JS distance √divergence, a metric in [0, 1].
    public static func distance(_ p: [Double], _ q: [Double]) throws -> Double { try divergence(p, q).squareRoot() }

    /// 1 − JS distance: 1 for identical distributions, 0 for disjoint ones; GPO's score.
    public static func score(_ p: [Double], _ q: [Double]) throws -> Double { try 1 - distance(p, q) }

    static func normalised(_ p: [Double]) throws -> [Double] {
        let sum = p.reduce(0, +)
        guard p.allSatisfy({ $0 >= 0 && $0.isFinite }), sum > 0 else {
            throw AlignmentError.invalidInput("Jensen–Shannon: \(p) is not a distribution (non-negative, positive sum)")
        }
        return p.map { $0 / sum }
    }
}
