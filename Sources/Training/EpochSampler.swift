import TensorCore

/// Draws minibatches of example indices: a fresh seeded shuffle every epoch, batches taken in order.
/// Codable, so a checkpoint resumes the exact same data order.
public struct EpochSampler: Codable, Equatable {
    /// Number of examples.
    public let count: Int
    private var rng: SeededGenerator
    private var order: [Int] = []
    private var cursor = 0

    /// A sampler over `count` examples.
    public init(count: Int, seed: UInt64) {
        self.count = count
        rng = SeededGenerator(seed: seed)
    }

    /// The next `size` indices (at most `count`), crossing into a new epoch when needed.
    public mutating func next(_ size: Int) -> [Int] {
        var out: [Int] = []
        while out.count < min(size, count) {
            if cursor >= order.count {
                order = Array(0..<count)
                order.shuffle(using: &rng)
                cursor = 0
            }
            out.append(order[cursor])
            cursor += 1
        }
        return out
    }
}
