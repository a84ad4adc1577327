import Distributed

/// One rank's part of a global batch: the whole batch's example indices (every rank draws the same ones), the
/// positions this rank computes, and the communicator to sum what the objective needs from the other parts
/// (e.g. the robust weighting's per-group losses). In one process the range is the whole batch.
public struct BatchShard {
    /// The global batch's example indices (empty for tasks that draw their own examples).
    public let batch: [Int]
    /// Examples in the global batch (also for tasks that draw their own).
    public let globalCount: Int
    /// Positions of the global batch this rank computes.
    public let range: Range<Int>
    /// The ranks.
    public let communicator: Communicator

    /// A shard; `range` must lie in `0..<globalCount`.
    public init(batch: [Int], globalCount: Int, range: Range<Int>, communicator: Communicator) {
        self.batch = batch
        self.globalCount = globalCount
        self.range = range
        self.communicator = communicator
    }

    /// The whole batch in one process.
    public static func whole(_ batch: [Int], count: Int? = nil) -> BatchShard {
        let n = count ?? batch.count
        return BatchShard(batch: batch, globalCount: n, range: 0..<n, communicator: SingleProcess.shared)
    }

    /// Whether this rank computes the whole batch (one process).
    public var isWhole: Bool { communicator.size == 1 && range == 0..<globalCount }

    /// The example indices of this rank's positions.
    public var localBatch: [Int] { Array(batch[range]) }
}
