import Datasets
extension MinMaxGame {
    /// The exact equilibrium by linear programming, the reference the iterative solver is checked against.
    ///
    /// Adding s = 1 − min A to every entry makes all payoffs ≥ 1 (so the value v + s > 0) without changing the
    /// equilibria. Then u = w / (v + s) turns "min over w of max_i (A w)_i" into max 1ᵀu s.t. (A + s)u ≤ 1, u ≥ 0,
    /// with 1ᵀu = 1 / (v + s). The LP's dual y solves the row player's problem the same way (q = y / 1ᵀy), so one
    /// simplex run gives both strategies.
    public func solveExactly() throws -> GameSolution {
        let shift = 1 - payoff.min()!
        let shifted = (0..<rows).map { i in (0..<columns).map { j in self[i, j] + shift } }
        let lp = try DenseSimplex.maximize(objective: .init(repeating: 1, count: columns), constraints: shifted,
                                           bounds: .init(repeating: 1, count: rows))
        let sumX = lp.x.reduce(0, +), sumY = lp.dual.reduce(0, +)
        return solution(row: lp.dual.map { $0 / sumY }, column: lp.x.map { $0 / sumX }, iterations: lp.pivots)
    }
}
