import Datasets
import Autograd
import TensorCore

/// Turns per-pair losses (N) and the pairs' group ids into the scalar the optimizer minimises.
///
/// Groups are numbered 0..<K; `groupSizes[g]` = N_g is the number of training pairs of group g.
public protocol GroupWeighting {
    /// Name used in metrics and run configs.
    var name: String { get }
    /// The weight each group currently has in the objective (α for the robust weighting), for metrics.
    var groupWeights: [Float] { get }
    /// The scalar objective for one minibatch; may update internal state (the robust weighting's α).
    mutating func objective(losses: Variable, groups: [Int]) throws -> Variable

    /// This rank's share of the objective of a minibatch split over data-parallel ranks: `losses` and `groups`
    /// are this rank's pairs, `batchGroups` the groups of the whole minibatch; `sumOverRanks` adds numbers over
    /// all ranks (every rank calls it the same number of times). The shares of all ranks add up to
    /// `objective(losses:groups:)` of the whole minibatch, and every rank ends with the same state.
    mutating func shareOfObjective(losses: Variable, groups: [Int], batchGroups: [Int],
                                   sumOverRanks: ([Double]) throws -> [Double]) throws -> Variable
}

/// Shared checks for the weightings.
enum GroupIds {
    /// Throws unless every id is in 0..<k and there is one id per loss.
    static func validate(_ groups: [Int], losses: Variable, k: Int) throws {
        guard groups.count == losses.value.count else {
            throw AlignmentError.invalidInput("\(groups.count) group ids for \(losses.value.count) losses")
        }
        if let bad = groups.first(where: { $0 < 0 || $0 >= k }) {
            throw AlignmentError.invalidInput("group id \(bad) is not one of the \(k) groups")
        }
    }

    /// Σ_i w_i ℓ_i as a differentiable scalar.
    static func weightedSum(_ losses: Variable, _ weights: [Float]) throws -> Variable {
        try (losses * Variable(Tensor(shape: [weights.count], weights))).sum()
    }
}
