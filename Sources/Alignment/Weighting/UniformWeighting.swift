import Datasets
import Autograd

/// DPO / IPO: the plain minibatch mean, mean_i ℓ_i — every pair counts the same, so large groups dominate.
public struct UniformWeighting: GroupWeighting {
    /// N_g per group.
    public let groupSizes: [Int]
    /// The name used on the command line and in metrics.
    public var name: String { "uniform" }
    /// Each group's share of the data, N_g / N: its effective weight under the mean.
    public var groupWeights: [Float] {
        let n = Float(groupSizes.reduce(0, +))
        return groupSizes.map { Float($0) / n }
    }
    /// A uniform weighting over groups of the given sizes.
    public init(groupSizes: [Int]) { self.groupSizes = groupSizes }
    /// The scalar objective of one minibatch, as the type comment describes.
    public mutating func objective(losses: Variable, groups: [Int]) throws -> Variable {
        try GroupIds.validate(groups, losses: losses, k: groupSizes.count)
        return losses.mean()
    }
    /// Σ_{this rank} ℓ_i / |B|.
    public mutating func shareOfObjective(losses: Variable, groups: [Int], batchGroups: [Int],
                                          sumOverRanks: ([Double]) throws -> [Double]) throws -> Variable {
        try GroupIds.validate(groups, losses: losses, k: groupSizes.count)
        return try GroupIds.weightedSum(losses, Array(repeating: 1 / Float(batchGroups.count), count: groups.count))
    }
}
