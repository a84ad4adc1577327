import Autograd
import Distributed
import Foundation
import TensorCore

/// Data parallelism for the one driver: which part of every global batch this rank computes, the bucketed
/// gradient sum over ranks, the start-of-run and periodic agreement checks, and the thread budget per rank.
///
/// Every rank draws the same global batch (same sampler, same seed) and computes the slice `shard(of:)` of it;
/// the task's objective on a slice is that slice's share of the global objective (so the shares add up to it),
/// hence gradients are summed, not averaged, and the step equals one process's step on the whole batch.
public final class DataParallel {
    /// The ranks.
    public let communicator: Communicator
    /// Floats per all-reduce call: gradients are packed into buckets of this size (4 MiB by default), so a
    /// model of many small tensors costs few calls and a large one never needs a second full-size buffer.
    public let bucketElements: Int
    /// Seconds spent in gradient and loss all-reduces since the start (for the benchmark's communication share).
    public private(set) var communicationSeconds = 0.0
    private var bucket: [Float]

    /// Data parallelism over `communicator`.
    public init(communicator: Communicator, bucketElements: Int = 1 << 20) {
        self.communicator = communicator
        self.bucketElements = Swift.max(1, bucketElements)
        bucket = []
    }

    /// Positions `lo..<hi` of a global batch of `count` examples that rank `rank` of `size` computes: contiguous
    /// and as even as possible (the first `count % size` ranks take one more).
    public static func shard(of count: Int, rank: Int, size: Int) -> Range<Int> {
        let base = count / size, extra = count % size
        let lo = rank * base + Swift.min(rank, extra)
        return lo..<(lo + base + (rank < extra ? 1 : 0))
    }

    /// This rank's positions of a global batch of `count`.
    public func shard(of count: Int) -> Range<Int> { Self.shard(of: count, rank: communicator.rank, size: communicator.size) }

    /// The loss value summed over ranks (each rank holds its share of the global objective).
    public func sumLoss(_ value: Float) throws -> Float {
        let start = clock()
        defer { communicationSeconds += clock() - start }
        return Float(try communicator.sum(Double(value)))
    }

    /// Replaces every parameter's gradient by its sum over the ranks. A gradient that exists on some rank
    /// only (a parameter unused by this rank's slice) is materialised as zeros first, so all ranks step the
    /// same parameters. Gradients go through buckets of `bucketElements` floats, in parameter order.
    public func sumGradients(_ parameters: [Variable]) throws {
        guard communicator.size > 1 else { return }
        let start = clock()
        defer { communicationSeconds += clock() - start }
        let present = try communicator.max(parameters.map { $0.grad == nil ? 0 : 1 })
        for (p, flag) in zip(parameters, present) where flag > 0 && p.grad == nil { p.grad = Tensor.zeros(p.shape) }
        let withGrad = parameters.filter { $0.grad != nil }
        if bucket.count < bucketElements { bucket = [Float](repeating: 0, count: bucketElements) }
        // (parameter, offset) pieces waiting in the bucket.
        var pending: [(Variable, Int, Int)] = []
        var filled = 0
        func flush() throws {
            guard filled > 0 else { return }
            try bucket.withUnsafeMutableBufferPointer { b in
                try communicator.sumInPlace(UnsafeMutableBufferPointer(rebasing: b[0..<filled]))
            }
            var at = 0
            for (p, offset, length) in pending {
                bucket.withUnsafeBufferPointer { b in
                    p.grad!.withUnsafeMutableBufferPointer { g in
                        _ = UnsafeMutableBufferPointer(rebasing: g[offset..<(offset + length)]).initialize(from: b[at..<(at + length)])
                    }
                }
                at += length
            }
            pending.removeAll(keepingCapacity: true)
            filled = 0
        }
        for p in withGrad {
            let count = p.grad!.count
            var offset = 0
            while offset < count {
                let length = Swift.min(count - offset, bucketElements - filled)
                p.grad!.withUnsafeBufferPointer { g in
                    bucket.withUnsafeMutableBufferPointer { b in
                        _ = UnsafeMutableBufferPointer(rebasing: b[filled..<(filled + length)]).initialize(from: g[offset..<(offset + length)])
                    }
                }
                pending.append((p, offset, length))
                filled += length
                offset += length
                if filled == bucketElements { try flush() }
            }
        }
        try flush()
    }

    /// A 64-bit checksum of the parameters' exact bits (word-wise FNV-1a, fast enough to run every few steps).
    public static func checksum(_ parameters: [Variable]) -> UInt64 {
        var h = Fingerprint.seed
        for p in parameters {
            p.value.withUnsafeBufferPointer { v in
                let raw = UnsafeRawBufferPointer(v)
                var i = 0
                while i + 8 <= raw.count {
                    h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x100_0000_01b3
                    i += 8
                }
                while i < raw.count { h = (h ^ UInt64(raw[i])) &* 0x100_0000_01b3; i += 1 }
            }
            h = (h ^ UInt64(p.value.count)) &* 0x100_0000_01b3
        }
        return h
    }

    /// Throws `disagreement` on every rank unless all ranks hold `value` equal to rank 0's; `what` names it.
    public func requireAgreement(_ value: UInt64, _ what: String) throws {
        let leader = try communicator.broadcast(value, root: 0)
        let same = leader == value
        let disagreeing = try communicator.gather([same ? 0 : 1]).enumerated().filter { $0.element != 0 }.map(\.offset)
        guard disagreeing.isEmpty else {
            throw DistributedError.disagreement("rank\(disagreeing.count == 1 ? "" : "s") \(disagreeing.map(String.init).joined(separator: ", ")) "
                                                + "of \(communicator.size) disagree\(disagreeing.count == 1 ? "s" : "") with rank 0 on \(what)")
        }
    }

    /// Sets the threads of OpenBLAS, our GEMM and our parallel loops of this process to `threads`.
    public static func setThreads(_ threads: Int) {
        BLAS.setThreads(threads)
        Parallel.workers = Swift.max(1, threads)
    }

    /// The default thread count per rank: the host's cores shared evenly by the ranks on it (at least 1), so
    /// two ranks on two cores each run single-threaded instead of fighting over both.
    public static func defaultThreads(localRanks: Int) -> Int {
        Swift.max(1, ProcessInfo.processInfo.activeProcessorCount / Swift.max(1, localRanks))
    }

    private func clock() -> Double { ProcessInfo.processInfo.systemUptime }
}
