import Autograd
import Foundation
import TensorCore

/// Where one ranking's responses sit in a flat batch of rewards: `order` holds the ranked responses best first,
/// `unranked` the ones a partial ranking leaves unplaced (below every ranked one, order unknown).
public struct RankedList: Equatable, Sendable {
    /// Flat indices of the ranked responses, best first.
    public var order: [Int]
    /// Flat indices of the responses not ranked.
    public var unranked: [Int]

    /// A list from explicit flat indices.
    public init(order: [Int], unranked: [Int] = []) {
        self.order = order
        self.unranked = unranked
    }

    /// `count` consecutive responses starting at flat index `offset`, ranked by local indices `ranking`.
    public init(offset: Int, count: Int, ranking: [Int]) {
        order = ranking.map { offset + $0 }
        unranked = (0..<count).filter { !ranking.contains($0) }.map { offset + $0 }
    }

    /// Number of responses in the list.
    public var count: Int { order.count + unranked.count }
}

extension Variable {
    /// Plackett–Luce negative log-likelihood of each ranking (ALGORITHMS.md §7):
    /// ℓ = −Σ_j [r(τ_j) − logsumexp_{l not yet placed} r(l)], j over the ranked positions (the last position of a
    /// full ranking adds 0 and is skipped), the log-sum-exp over every response not yet placed, unranked ones
    /// included — the likelihood of a top-m ranking.
    ///
    /// rewards: (S) -> (N), one loss per list. Backward: ∂ℓ/∂r(a) = Σ_j [softmax_j(a) − 1{a = τ_j}] over the
    /// positions j at which a was still unplaced.
    public static func plackettLuceNLL(rewards: Variable, lists: [RankedList]) throws -> Variable {
        let s = rewards.value.count
        guard rewards.shape.count == 1 else {
            throw AlignmentError.invalidInput("plackettLuceNLL: rewards must be 1-D (S), got shape \(rewards.shape)")
        }
        for (i, list) in lists.enumerated() {
            let all = list.order + list.unranked
            guard !list.order.isEmpty, all.count >= 2, Set(all).count == all.count, all.allSatisfy({ (0..<s).contains($0) }) else {
                throw AlignmentError.invalidInput("plackettLuceNLL: list \(i) needs ≥1 ranked of ≥2 distinct responses in 0..<\(s), got order \(list.order), unranked \(list.unranked)")
            }
        }
        let r = rewards.value.scalars
        // softmax over the not-yet-placed responses at every position, kept for the backward pass
        var stages: [[(items: [Int], probs: [Double], placed: Int)]] = []
        var losses = [Float](repeating: 0, count: lists.count)
        stages.reserveCapacity(lists.count)
        for (i, list) in lists.enumerated() {
            var remaining = list.order + list.unranked
            var loss = 0.0
            var listStages: [(items: [Int], probs: [Double], placed: Int)] = []
            for placed in list.order where remaining.count > 1 {
                let m = remaining.map { Double(r[$0]) }.max()!
                let e = remaining.map { Foundation.exp(Double(r[$0]) - m) }
                let z = e.reduce(0, +)
                loss += m + Foundation.log(z) - Double(r[placed])
                listStages.append((remaining, e.map { $0 / z }, placed))
                remaining.removeAll { $0 == placed }
            }
            losses[i] = Float(loss)
            stages.append(listStages)
        }
        return Variable.result(Tensor(shape: [lists.count], losses), parents: [rewards]) { g in
            var d = [Float](repeating: 0, count: s)
            let gs = g.scalars
            for (i, listStages) in stages.enumerated() {
                let gi = Double(gs[i])
                for stage in listStages {
                    for (a, p) in zip(stage.items, stage.probs) { d[a] += Float(gi * p) }
                    d[stage.placed] -= Float(gi)
                }
            }
            rewards.accumulate(Tensor(shape: [s], d))
        }
    }
}
