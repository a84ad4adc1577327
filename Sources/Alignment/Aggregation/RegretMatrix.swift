import Datasets
/// The regret game of min-max aggregation (ALGORITHMS.md §7) built from the cross-policy log-ratio matrix
/// L[i, j] = E_x E_{y∼π_j} [log π_i(y|x) − log π_ref(y|x)]: row i scores every policy with group i's implicit
/// reward (its own policy's log-ratio), so R[i, j] = L[i, i] − L[i, j] is what group i loses when policy j
/// serves it instead of its own.
public struct RegretMatrix: Equatable, Sendable {
    /// L (K × K).
    public let logRatios: [[Double]]
    /// Fairness weights c_i ≥ 0 (K): group i's regret counts c_i times (the aggregation paper's weighted regret;
    /// all 1 = plain min-max regret, the default).
    public let fairnessWeights: [Double]

    /// The game for `logRatios`, a finite K × K matrix (K ≥ 1), with group regrets scaled by `fairnessWeights`
    /// (nil = all 1).
    public init(logRatios: [[Double]], fairnessWeights: [Double]? = nil) throws {
        let k = logRatios.count
        guard k > 0 else { throw AlignmentError.invalidInput("log-ratio matrix L is empty") }
        for (i, row) in logRatios.enumerated() {
            guard row.count == k else {
                throw AlignmentError.invalidInput("log-ratio matrix L must be square: row \(i) has \(row.count) entries, K = \(k)")
            }
            if let j = row.firstIndex(where: { !$0.isFinite }) {
                throw AlignmentError.invalidInput("log-ratio matrix entry L[\(i), \(j)] is \(row[j]), not a finite number")
            }
        }
        let c = fairnessWeights ?? [Double](repeating: 1, count: k)
        guard c.count == k, c.allSatisfy({ $0.isFinite && $0 >= 0 }), c.contains(where: { $0 > 0 }) else {
            throw AlignmentError.invalidInput("fairness weights must be \(k) finite numbers ≥ 0, not all 0 (got \(c))")
        }
        self.logRatios = logRatios
        self.fairnessWeights = c
    }

    /// Number of policies K.
    public var count: Int { logRatios.count }

    /// R ((K + 1) × K): R[i, j] = c_i (L[i, i] − L[i, j]) for the K groups, then a row of zeros, which lets the
    /// adversary settle for "no regret" and so keeps the game value ≥ 0.
    public var regrets: [[Double]] {
        logRatios.enumerated().map { i, row in row.map { fairnessWeights[i] * (row[i] - $0) } } + [[Double](repeating: 0, count: count)]
    }

    /// min over mixtures w of max over q of qᵀ R w: the row player is the adversary over groups (and the zero
    /// row), the column player the mixture over policies.
    public func game() throws -> MinMaxGame { try MinMaxGame(payoff: regrets) }
}
