import Datasets
/// The regret game of min-max aggregation (ALGORITHMS.md §7) built from the cross-policy log-ratio matrix
/// L[i, j] = E_x E_{y∼π_j} [log π_i(y|x) − log π_ref(y|x)]: row i scores every policy with group i's implicit
/// reward (its own policy's log-ratio), so R[i, j] = L[i, i] − L[i, j] is what group i loses when policy j
/// serves it instead of its own.
public struct RegretMatrix: Equatable, Sendable {
    /// L (K × K).
    public let logRatios: [[Double]]

    /// The game for `logRatios`, a finite K × K matrix (K ≥ 1).
    public init(logRatios: [[Double]]) throws {
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
        self.logRatios = logRatios
    }

    /// Number of policies K.
    public var count: Int { logRatios.count }

    /// R ((K + 1) × K): R[i, j] = L[i, i] − L[i, j] for the K groups, then a row of zeros, which lets the
    /// adversary settle for "no regret" and so keeps the game value ≥ 0.
    public var regrets: [[Double]] {
        logRatios.enumerated().map { i, row in row.map { row[i] - $0 } } + [[Double](repeating: 0, count: count)]
    }

    /// min over mixtures w of max over q of qᵀ R w: the row player is the adversary over groups (and the zero
    /// row), the column player the mixture over policies.
    public func game() throws -> MinMaxGame { try MinMaxGame(payoff: regrets) }
}
