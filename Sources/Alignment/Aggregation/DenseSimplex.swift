import Datasets
/// A dense tableau simplex method for small linear programs in the form
/// maximise cᵀx subject to A x ≤ b, x ≥ 0, with b ≥ 0 — the form a zero-sum matrix game reduces to, whose origin
/// is feasible so no phase one is needed. Bland's rule picks the pivots, so degenerate problems cannot cycle.
public enum DenseSimplex {
    /// An optimal vertex and the optimal dual prices.
    public struct Solution: Equatable, Sendable {
        /// The optimal x (n).
        public var x: [Double]
        /// The optimal dual y (m) of the constraints: minimises bᵀy subject to Aᵀy ≥ c, y ≥ 0.
        public var dual: [Double]
        /// cᵀx (= bᵀy at the optimum).
        public var objective: Double
        /// Pivots taken.
        public var pivots: Int
    }

    /// Pivot elements and reduced costs below this count as zero.
    static let epsilon = 1e-12

    /// Solves max cᵀx s.t. A x ≤ b, x ≥ 0, for `constraints` A (m rows of n), `bounds` b (m, all ≥ 0) and
    /// `objective` c (n). Throws when the shapes disagree, b has a negative entry, or the problem is unbounded.
    public static func maximize(objective c: [Double], constraints a: [[Double]], bounds b: [Double]) throws -> Solution {
        let m = a.count, n = c.count
        guard b.count == m else { throw AlignmentError.invalidInput("simplex: \(m) constraint rows but \(b.count) bounds") }
        if let i = a.firstIndex(where: { $0.count != n }) {
            throw AlignmentError.invalidInput("simplex: constraint row \(i) has \(a[i].count) entries, the objective \(n)")
        }
        if let i = b.firstIndex(where: { !($0 >= 0) }) {
            throw AlignmentError.invalidInput("simplex: bound \(i) is \(b[i]); this solver needs b ≥ 0")
        }
        // Tableau rows 0..<m are the constraints [A | I | b]; row m is the objective [−c | 0 | 0].
        let width = n + m + 1
        var tab = [Double](repeating: 0, count: (m + 1) * width)
        for i in 0..<m {
            for j in 0..<n { tab[i * width + j] = a[i][j] }
            tab[i * width + n + i] = 1
            tab[i * width + width - 1] = b[i]
        }
        for j in 0..<n { tab[m * width + j] = -c[j] }
        var basis = Array(n..<(n + m))
        var pivots = 0
        // Bland's rule terminates; the cap only guards against floating-point trouble.
        let maxPivots = 1000 * (m + n + 1)
        while true {
            guard let enter = (0..<(n + m)).first(where: { tab[m * width + $0] < -epsilon }) else { break }
            var leave = -1
            var best = Double.infinity
            for i in 0..<m {
                let p = tab[i * width + enter]
                guard p > epsilon else { continue }
                let ratio = tab[i * width + width - 1] / p
                if ratio < best - epsilon || (ratio <= best + epsilon && leave >= 0 && basis[i] < basis[leave]) {
                    best = ratio
                    leave = i
                }
            }
            guard leave >= 0 else { throw AlignmentError.invalidInput("simplex: the problem is unbounded") }
            pivot(&tab, width: width, rows: m + 1, row: leave, column: enter)
            basis[leave] = enter
            pivots += 1
            guard pivots <= maxPivots else { throw AlignmentError.invalidInput("simplex: no optimum after \(maxPivots) pivots") }
        }
        var x = [Double](repeating: 0, count: n)
        for (i, v) in basis.enumerated() where v < n { x[v] = tab[i * width + width - 1] }
        let dual = (0..<m).map { tab[m * width + n + $0] }
        return Solution(x: x, dual: dual, objective: tab[m * width + width - 1], pivots: pivots)
    }

    /// Gauss–Jordan pivot on (row, column): that column becomes the unit vector e_row.
    private static func pivot(_ tab: inout [Double], width: Int, rows: Int, row r: Int, column c: Int) {
        tab.withUnsafeMutableBufferPointer { t in
            let p = t[r * width + c]
            for j in 0..<width { t[r * width + j] /= p }
            for i in 0..<rows where i != r {
                let f = t[i * width + c]
                guard f != 0 else { continue }
                for j in 0..<width { t[i * width + j] -= f * t[r * width + j] }
            }
        }
    }
}
