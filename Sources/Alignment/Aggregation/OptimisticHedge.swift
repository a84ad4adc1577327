import Datasets
import Foundation

extension MinMaxGame {
    /// Solves the game by optimistic exponentiated gradient (optimistic multiplicative weights) for both players,
    /// returning the averaged iterates, which converge at rate O(1/T) in duality gap (the plain, non-optimistic
    /// version only reaches O(1/√T)).
    ///
    /// Each round both players see the payoff gradient g_t and step on 2·g_t − g_{t−1}, the usual optimistic
    /// prediction that the next gradient equals the last one: the row player ascends (θ_q += η(2Aw_t − Aw_{t−1})),
    /// the column player descends (θ_w −= η(2Aᵀq_t − Aᵀq_{t−1})), and the strategies are softmax(θ). Logits are
    /// kept rather than weights so long runs never underflow.
    ///
    /// - Parameters:
    /// The averaged iterates' gap shrinks like 1/(ηT), so η is taken as large as stays stable: 1 / (max A − min A)
    /// by default, which also makes the iterates independent of the payoffs' scale and offset.
    ///
    /// - Parameters:
    ///   - stepSize: η (nil: 1 / (max A − min A)).
    ///   - maxIterations: most rounds.
    ///   - tolerance: stop once the averaged iterates' duality gap is at most this (nil: 1e-6 · (max A − min A)).
    public func solveOptimistic(stepSize: Double? = nil, maxIterations: Int = 200_000, tolerance: Double? = nil) -> GameSolution {
        let spread = payoff.max()! - payoff.min()!
        // A constant matrix is solved by any pair; the uniform strategies are returned at once.
        guard spread > 0 else {
            return solution(row: .init(repeating: 1 / Double(rows), count: rows),
                            column: .init(repeating: 1 / Double(columns), count: columns), iterations: 0)
        }
        let eta = stepSize ?? 1 / spread
        let tolerance = tolerance ?? 1e-6 * spread
        var thetaQ = [Double](repeating: 0, count: rows), thetaW = [Double](repeating: 0, count: columns)
        var q = [Double](repeating: 1 / Double(rows), count: rows), w = [Double](repeating: 1 / Double(columns), count: columns)
        var sumQ = [Double](repeating: 0, count: rows), sumW = [Double](repeating: 0, count: columns)
        var lastGQ = rowPayoffs(column: w), lastGW = columnPayoffs(row: q)
        let checkEvery = 64
        var t = 0
        while t < maxIterations {
            t += 1
            for i in 0..<rows { sumQ[i] += q[i] }
            for j in 0..<columns { sumW[j] += w[j] }
            let gQ = rowPayoffs(column: w), gW = columnPayoffs(row: q)
            for i in 0..<rows { thetaQ[i] += eta * (2 * gQ[i] - lastGQ[i]) }
            for j in 0..<columns { thetaW[j] -= eta * (2 * gW[j] - lastGW[j]) }
            lastGQ = gQ
            lastGW = gW
            Self.softmax(thetaQ, into: &q)
            Self.softmax(thetaW, into: &w)
            if t % checkEvery == 0 && dualityGap(row: Self.normalized(sumQ), column: Self.normalized(sumW)) <= tolerance { break }
        }
        return solution(row: Self.normalized(sumQ), column: Self.normalized(sumW), iterations: t)
    }

    /// The average of the summed iterates, divided by the sum itself so it lies on the simplex to the last bit.
    private static func normalized(_ sum: [Double]) -> [Double] {
        let total = sum.reduce(0, +)
        return sum.map { $0 / total }
    }

    /// softmax(θ) written into `out`, shifted by max θ so nothing overflows.
    private static func softmax(_ theta: [Double], into out: inout [Double]) {
        let m = theta.max()!
        var total = 0.0
        for k in theta.indices {
            out[k] = exp(theta[k] - m)
            total += out[k]
        }
        for k in theta.indices { out[k] /= total }
    }
}
