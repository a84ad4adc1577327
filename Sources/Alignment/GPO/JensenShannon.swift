import Datasets
import Foundation

/// Jensen–Shannon comparison of two distributions over the same options, with the natural logarithm by default —
/// as the GPO reference code's `scipy.spatial.distance.jensenshannon` (base None = e) — so the divergence lies in
/// [0, ln 2] and the distance in [0, √ln 2]; `base: 2` gives bits, where both lie in [0, 1].
public enum JensenShannon {
    /// The logarithm's base of every score TinyAlign reports, named in the output.
    public static let defaultBase = M_E

    /// JS divergence ½ KL(p‖m) + ½ KL(q‖m), m = ½(p + q), with log to `base`. Both inputs are normalised to sum to
    /// 1 first. Throws when the lengths differ, a value is negative or not finite, or a sum is zero.
    public static func divergence(_ p: [Double], _ q: [Double], base: Double = defaultBase) throws -> Double {
        guard p.count == q.count, !p.isEmpty else {
            throw AlignmentError.invalidInput("Jensen–Shannon: distributions of \(p.count) and \(q.count) options")
        }
        let pn = try normalised(p), qn = try normalised(q)
        var total = 0.0
        for i in pn.indices {
            let m = 0.5 * (pn[i] + qn[i])
            if pn[i] > 0 { total += 0.5 * pn[i] * Foundation.log(pn[i] / m) }
            if qn[i] > 0 { total += 0.5 * qn[i] * Foundation.log(qn[i] / m) }
        }
        // Rounding can step a hair outside [0, log_base 2].
        let bound = Foundation.log(2.0) / Foundation.log(base)
        return min(max(total / Foundation.log(base), 0), bound)
    }

    /// JS distance √divergence, a metric.
    public static func distance(_ p: [Double], _ q: [Double], base: Double = defaultBase) throws -> Double {
        try divergence(p, q, base: base).squareRoot()
    }

    /// 1 − JS distance: 1 for identical distributions, 1 − √ln 2 ≈ 0.167 for disjoint ones (0 in bits); GPO's score.
    public static func score(_ p: [Double], _ q: [Double], base: Double = defaultBase) throws -> Double {
        try 1 - distance(p, q, base: base)
    }

    static func normalised(_ p: [Double]) throws -> [Double] {
        let sum = p.reduce(0, +)
        guard p.allSatisfy({ $0 >= 0 && $0.isFinite }), sum > 0 else {
            throw AlignmentError.invalidInput("Jensen–Shannon: \(p) is not a distribution (non-negative, positive sum)")
        }
        return p.map { $0 / sum }
    }
}
