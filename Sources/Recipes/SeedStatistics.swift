import Foundation

/// Mean ± spread over seeds, and a paired comparison of two methods run on the same seeds: the numbers behind
/// every "over N seeds" claim the repro commands and the demo print.
public struct SeedStatistics: Equatable, Sendable {
    /// The per-seed values.
    public var values: [Double]

    /// Statistics of `values` (one per seed).
    public init(_ values: [Double]) { self.values = values }

    /// Mean.
    public var mean: Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }

    /// Sample standard deviation (n − 1); 0 for a single seed.
    public var std: Double {
        guard values.count > 1 else { return 0 }
        let m = mean
        return (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
    }

    /// Smallest and largest value.
    public var range: (low: Double, high: Double) { (values.min() ?? .nan, values.max() ?? .nan) }

    /// `0.1234 ± 0.0056` with `digits` decimals.
    public func formatted(digits: Int = 4) -> String {
        String(format: "%.\(digits)f ± %.\(digits)f", mean, std)
    }

    /// A paired comparison of `a` against `b` on the same seeds (a − b per seed).
    public struct Paired: Equatable, Sendable {
        /// Mean of the differences.
        public var meanDifference: Double
        /// Sample standard deviation of the differences.
        public var stdDifference: Double
        /// t = mean / (std / √n) (infinite when every difference is the same non-zero number).
        public var t: Double
        /// Seeds where a < b, and where a > b (ties left out).
        public var below: Int, above: Int
        /// Two-sided exact sign-test p-value of those counts.
        public var signTestP: Double
        /// Two-sided paired t-test p-value (n − 1 degrees of freedom; scipy's `ttest_rel`): NaN for one seed,
        /// 0 when every difference is the same non-zero number, 1 when all are zero.
        public var tTestP: Double = .nan
    }

    /// Paired statistics of `a − b`; the arrays are per seed, in the same order.
    public static func paired(_ a: [Double], _ b: [Double]) -> Paired {
        let d = zip(a, b).map { $0 - $1 }
        let s = SeedStatistics(d)
        let t = s.std > 0 ? s.mean / (s.std / Double(d.count).squareRoot()) : (s.mean == 0 ? 0 : s.mean.sign == .minus ? -.infinity : .infinity)
        let below = d.filter { $0 < 0 }.count, above = d.filter { $0 > 0 }.count
        let tTestP = d.count < 2 ? .nan : StudentT.twoSidedP(t: t, degreesOfFreedom: Double(d.count - 1))
        return Paired(meanDifference: s.mean, stdDifference: s.std, t: t, below: below, above: above,
                      signTestP: signTest(below, above), tTestP: tTestP)
    }

    /// Two-sided exact binomial sign test: P(a split at least as uneven as k : n − k | p = ½), capped at 1.
    public static func signTest(_ k: Int, _ m: Int) -> Double {
        let n = k + m
        guard n > 0 else { return 1 }
        let extreme = min(k, m)
        var tail = 0.0
        for i in 0...extreme { tail += binomial(n, i) }
        return min(1, 2 * tail / pow(2, Double(n)))
    }

    static func binomial(_ n: Int, _ k: Int) -> Double {
        var r = 1.0
        for i in 0..<k { r = r * Double(n - i) / Double(i + 1) }
        return r
    }
}
