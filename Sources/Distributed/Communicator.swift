/// The collectives data-parallel training needs, whatever carries them: one process (`SingleProcess`, where
/// every collective is the identity) or the ranks of an `mpirun` job (`MPICommunicator`). Training depends on
/// this protocol only, so a run without a launcher never touches MPI.
///
/// Every method is collective: all ranks call it in the same order with the same counts, or the job hangs.
public protocol Communicator: AnyObject {
    /// This process's index, 0..<size; rank 0 writes the run folder.
    var rank: Int { get }
    /// Number of processes training together.
    var size: Int { get }
    /// Processes of this job on this host (they share its cores).
    var localSize: Int { get }
    /// Replaces each element by its sum over all ranks, in place.
    func sumInPlace(_ buffer: UnsafeMutableBufferPointer<Float>) throws
    /// Replaces each element by its sum over all ranks.
    func sum(_ values: [Double]) throws -> [Double]
    /// Replaces each element by its maximum over all ranks.
    func max(_ values: [Double]) throws -> [Double]
    /// Rank `root`'s bytes on every rank (`bytes` must have the same count everywhere).
    func broadcast(_ bytes: [UInt8], root: Int) throws -> [UInt8]
    /// Every rank's `values` (counts may differ), concatenated in rank order.
    func gather(_ values: [Float]) throws -> [Float]
    /// Waits until every rank got here.
    func barrier() throws
}

extension Communicator {
    /// Whether this process writes files (rank 0).
    public var isLeader: Bool { rank == 0 }

    /// One value summed over all ranks.
    public func sum(_ value: Double) throws -> Double { try sum([value])[0] }

    /// Whether every rank passes `true` (a logical AND, so all ranks take the same branch).
    public func all(_ flag: Bool) throws -> Bool { try max([flag ? 0 : 1])[0] == 0 }

    /// Rank `root`'s 64-bit value on every rank.
    public func broadcast(_ value: UInt64, root: Int = 0) throws -> UInt64 {
        let bytes = try broadcast((0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }, root: root)
        return bytes.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * $1.offset) }
    }
}

/// One process, no launcher: every collective returns its input.
public final class SingleProcess: Communicator {
    /// The one instance a process needs.
    public static let shared = SingleProcess()
    /// Always 0.
    public var rank: Int { 0 }
    /// Always 1.
    public var size: Int { 1 }
    /// Always 1.
    public var localSize: Int { 1 }
    /// Creates the communicator of a lone process.
    public init() {}
    /// Nothing to add.
    public func sumInPlace(_ buffer: UnsafeMutableBufferPointer<Float>) throws {}
    /// `values`.
    public func sum(_ values: [Double]) throws -> [Double] { values }
    /// `values`.
    public func max(_ values: [Double]) throws -> [Double] { values }
    /// `bytes`.
    public func broadcast(_ bytes: [UInt8], root: Int) throws -> [UInt8] { bytes }
    /// `values`.
    public func gather(_ values: [Float]) throws -> [Float] { values }
    /// Nothing to wait for.
    public func barrier() throws {}
}
