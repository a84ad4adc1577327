import Datasets
import Autograd

/// IS-DPO / IS-IPO: the equal-weight average of group losses, (1/K) Σ_g L_g, estimated on a minibatch with
/// per-pair weights w_i = N / (K · N_{g_i}): mean_i w_i ℓ_i.
public struct ImportanceWeighting: GroupWeighting {
    /// N_g per group.
    public let groupSizes: [Int]
    /// The name used on the command line and in metrics.
    public var name: String { "importance" }
    /// 1/K for every group.
    public var groupWeights: [Float] { Array(repeating: 1 / Float(groupSizes.count), count: groupSizes.count) }
    /// An importance weighting over groups of the given sizes.
    public init(groupSizes: [Int]) { self.groupSizes = groupSizes }
    /// The scalar objective of one minibatch, as the type comment describes.
    public mutating func objective(losses: Variable, groups: [Int]) throws -> Variable {
        try share(losses: losses, groups: groups, batchCount: groups.count)
    }
    /// The same weights w_i with |B| the whole minibatch's size.
    public mutating func shareOfObjective(losses: Variable, groups: [Int], batchGroups: [Int],
                                          sumOverRanks: ([Double]) throws -> [Double]) throws -> Variable {
        try share(losses: losses, groups: groups, batchCount: batchGroups.count)
    }
    private func share(losses: Variable, groups: [Int], batchCount: Int) throws -> Variable {
        try GroupIds.validate(groups, losses: losses, k: groupSizes.count)
        let n = Float(groupSizes.reduce(0, +)), k = Float(groupSizes.count), b = Float(batchCount)
        return try GroupIds.weightedSum(losses, groups.map { n / (k * Float(groupSizes[$0])) / b })
    }
}
