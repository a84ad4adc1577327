import Datasets
/// A finite two-player zero-sum matrix game in mixed strategies: the row player picks q ∈ Δ_m and maximises
/// qᵀ A w; the column player picks w ∈ Δ_n and minimises it. In min-max regret aggregation the rows are the
/// adversary's groups (plus the zero row) and the columns are the policies mixed by the weights w.
public struct MinMaxGame: Sendable {
    /// Number of row (maximising) strategies m.
    public let rows: Int
    /// Number of column (minimising) strategies n.
    public let columns: Int
    /// A, row-major (m·n), so the solvers' inner loops run on one flat buffer.
    public let payoff: [Double]

    /// A game with payoff matrix `matrix` (m rows of n entries each), all finite.
    public init(payoff matrix: [[Double]]) throws {
        guard let n = matrix.first?.count, n > 0 else {
            throw AlignmentError.invalidInput("payoff matrix must have at least one row and one column")
        }
        for (i, row) in matrix.enumerated() {
            guard row.count == n else {
                throw AlignmentError.invalidInput("payoff matrix row \(i) has \(row.count) entries, row 0 has \(n)")
            }
            if let j = row.firstIndex(where: { !$0.isFinite }) {
                throw AlignmentError.invalidInput("payoff matrix entry [\(i), \(j)] is \(row[j]), not a finite number")
            }
        }
        rows = matrix.count
        columns = n
        payoff = matrix.flatMap { $0 }
    }

    /// The entry A[i, j].
    public subscript(i: Int, j: Int) -> Double { payoff[i * columns + j] }

    /// A w (m): what each row strategy earns against the column mixture `w` (n).
    public func rowPayoffs(column w: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: rows)
        payoff.withUnsafeBufferPointer { a in
            for i in 0..<rows {
                var s = 0.0
                for j in 0..<columns { s += a[i * columns + j] * w[j] }
                out[i] = s
            }
        }
        return out
    }

    /// Aᵀ q (n): what each column strategy concedes against the row mixture `q` (m).
    public func columnPayoffs(row q: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: columns)
        payoff.withUnsafeBufferPointer { a in
            for i in 0..<rows where q[i] != 0 {
                for j in 0..<columns { out[j] += a[i * columns + j] * q[i] }
            }
        }
        return out
    }

    /// qᵀ A w.
    public func value(row q: [Double], column w: [Double]) -> Double {
        zip(q, rowPayoffs(column: w)).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// max_i (A w)_i: the most a best-responding row player gets against `w` (an upper bound on the game value).
    public func bestResponseValue(toColumn w: [Double]) -> Double { rowPayoffs(column: w).max()! }

    /// min_j (Aᵀ q)_j: the least `q` guarantees against any column (a lower bound on the game value).
    public func guaranteedValue(ofRow q: [Double]) -> Double { columnPayoffs(row: q).min()! }

    /// bestResponseValue(w) − guaranteedValue(q) ≥ 0; zero exactly at an equilibrium, and an upper bound on both
    /// players' exploitability.
    public func dualityGap(row q: [Double], column w: [Double]) -> Double {
        bestResponseValue(toColumn: w) - guaranteedValue(ofRow: q)
    }

    /// The solution record for the pair (q, w).
    func solution(row q: [Double], column w: [Double], iterations: Int) -> GameSolution {
        GameSolution(row: q, column: w, value: value(row: q, column: w), dualityGap: dualityGap(row: q, column: w),
                     iterations: iterations)
    }
}

/// A (near-)equilibrium of a `MinMaxGame`.
public struct GameSolution: Equatable, Sendable {
    /// The maximiser's mixed strategy q (m) — in aggregation, the adversary over groups.
    public var row: [Double]
    /// The minimiser's mixed strategy w (n) — in aggregation, the mixture weights over policies.
    public var column: [Double]
    /// qᵀ A w.
    public var value: Double
    /// max_i (A w)_i − min_j (Aᵀ q)_j (0 at an exact equilibrium).
    public var dualityGap: Double
    /// Solver iterations (game-solver rounds or simplex pivots).
    public var iterations: Int
}
