import Datasets
import Autograd
import Foundation

/// GR-DPO / GR-IPO (Ramesh et al. 2024), minibatch form: group weights α on the simplex, moved by mirror
/// ascent towards the groups with the highest loss, then the α-weighted group losses are minimised.
///
/// Per step: G_g = N / (N_g·|B|) · Σ_{i∈B, g_i=g} ℓ_i (unbiased group-mean estimate, 0 for absent groups);
/// α ← normalise(α ∘ exp(η_α · χ · (G + C/√N_g))); objective R = Σ_g ((1−χ)/K + χ·α_g) · G_g with α constant.
/// χ = 1 is GRPO, χ = 0 the equal-weight average of group losses.
public struct RobustWeighting: GroupWeighting, Codable {
    /// N_g per group.
    public let groupSizes: [Int]
    /// Mirror-ascent step η_α.
    public var etaAlpha: Float
    /// Mix χ between the robust (1) and the equal-weight (0) objective.
    public var chi: Float
    /// Group-DRO generalisation adjustment C (added as C/√N_g in the α update only; 0 = off).
    public var adjustment: Float
    /// Leave out the 1/|B| in G, as the reference LLM code does (its G and gradients are |B| times larger).
    public var referenceCodeScaling: Bool
    /// Current group weights; persist across steps and belong in checkpoints.
    public var alpha: [Float]
    /// G of the last step (the α-update input, without the adjustment), for tests and metrics.
    public private(set) var lastGroupLosses: [Float] = []

    /// The name used on the command line and in metrics.
    public var name: String { "robust" }
    /// The current group weights α.
    public var groupWeights: [Float] { alpha }

    /// Starts from α = (1/K, …).
    public init(groupSizes: [Int], etaAlpha: Float, chi: Float = 1, adjustment: Float = 0, referenceCodeScaling: Bool = false) {
        self.groupSizes = groupSizes
        self.etaAlpha = etaAlpha
        self.chi = chi
        self.adjustment = adjustment
        self.referenceCodeScaling = referenceCodeScaling
        alpha = Array(repeating: 1 / Float(groupSizes.count), count: groupSizes.count)
    }

    /// The scalar objective of one minibatch, as the type comment describes.
    public mutating func objective(losses: Variable, groups: [Int]) throws -> Variable {
        try share(losses: losses, groups: groups, batchCount: groups.count) { $0 }
    }

    /// Data-parallel form: each rank adds its pairs' terms of G, the ranks sum G (K numbers) before the α
    /// update, so α moves exactly as in one process on the whole minibatch; the share keeps |B| of the whole.
    public mutating func shareOfObjective(losses: Variable, groups: [Int], batchGroups: [Int],
                                          sumOverRanks: ([Double]) throws -> [Double]) throws -> Variable {
        try share(losses: losses, groups: groups, batchCount: batchGroups.count, sumOverRanks: sumOverRanks)
    }

    private mutating func share(losses: Variable, groups: [Int], batchCount: Int,
                                sumOverRanks: ([Double]) throws -> [Double]) throws -> Variable {
        let k = groupSizes.count
        try GroupIds.validate(groups, losses: losses, k: k)
        let n = Double(groupSizes.reduce(0, +))
        let batch = referenceCodeScaling ? 1.0 : Double(batchCount)
        // Per-pair factor N / (N_g · |B|): G_g is Σ of factor·ℓ over the group's pairs.
        let factor = groups.map { n / (Double(groupSizes[$0]) * batch) }
        let l = losses.value.scalars
        var g = [Double](repeating: 0, count: k)
        for (i, gi) in groups.enumerated() { g[gi] += factor[i] * Double(l[i]) }
        g = try sumOverRanks(g)
        lastGroupLosses = g.map { Float($0) }
        // Mirror ascent in the log domain (max-subtracted), so large losses cannot overflow exp.
        var logits = (0..<k).map { j -> Double in
            let bonus = adjustment > 0 ? Double(adjustment) / Double(groupSizes[j]).squareRoot() : 0
            return Foundation.log(Double(alpha[j])) + Double(etaAlpha) * Double(chi) * (g[j] + bonus)
        }
        let mx = logits.max()!
        logits = logits.map { Foundation.exp($0 - mx) }
        let z = logits.reduce(0, +)
        alpha = logits.map { Float($0 / z) }
        let mix = (0..<k).map { (1 - Double(chi)) / Double(k) + Double(chi) * Double(alpha[$0]) }
        return try GroupIds.weightedSum(losses, groups.enumerated().map { Float(mix[$0.element] * factor[$0.offset]) })
    }
}
