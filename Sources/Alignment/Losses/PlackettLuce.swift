import Datasets
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
        var seen = [Int](repeating: -1, count: s)      // list that last used a response, to find duplicates cheaply
        for (i, list) in lists.enumerated() {
            let ok = !list.order.isEmpty && list.count >= 2 && (list.order + list.unranked).allSatisfy { a in
                guard (0..<s).contains(a), seen[a] != i else { return false }
                seen[a] = i
                return true
            }
            guard ok else {
                throw AlignmentError.invalidInput("plackettLuceNLL: list \(i) needs ≥1 ranked of ≥2 distinct responses in 0..<\(s), got order \(list.order), unranked \(list.unranked)")
            }
        }
        // Forward, keeping for the backward pass the softmax over the not-yet-placed responses at every position:
        // stage t covers items[stageStart[t]..<stageStart[t+1]] with probabilities probs[…], placing placed[t].
        let r = rewards.value.scalars
        var items: [Int] = [], probs: [Double] = [], placed: [Int] = [], stageStart = [0], listStages = [0]
        var losses = [Float](repeating: 0, count: lists.count)
        var remaining: [Int] = []
        for (i, list) in lists.enumerated() {
            remaining.removeAll(keepingCapacity: true)
            remaining.append(contentsOf: list.order)
            remaining.append(contentsOf: list.unranked)
            var loss = 0.0
            for best in list.order where remaining.count > 1 {
                var m = -Double.infinity
                for a in remaining { m = Swift.max(m, Double(r[a])) }
                var z = 0.0
                let first = probs.count
                for a in remaining {
                    let e = Foundation.exp(Double(r[a]) - m)
                    z += e
                    items.append(a)
                    probs.append(e)
                }
                for j in first..<probs.count { probs[j] /= z }
                loss += m + Foundation.log(z) - Double(r[best])
                placed.append(best)
                stageStart.append(probs.count)
                remaining.removeAll { $0 == best }
            }
            losses[i] = Float(loss)
            listStages.append(placed.count)
        }
        return Variable.result(Tensor(shape: [lists.count], losses), parents: [rewards]) { g in
            var d = [Float](repeating: 0, count: s)
            let gs = g.scalars
            for i in lists.indices {
                let gi = Double(gs[i])
                for t in listStages[i]..<listStages[i + 1] {
                    for j in stageStart[t]..<stageStart[t + 1] { d[items[j]] += Float(gi * probs[j]) }
                    d[placed[t]] -= Float(gi)
                }
            }
            rewards.accumulate(Tensor(shape: [s], d))
        }
    }
}
