import CMPI

/// The ranks of an `mpirun` job (Open MPI, `MPI_COMM_WORLD`), through the `CMPI` shim.
public final class MPICommunicator: Communicator {
    /// This process's rank.
    public let rank: Int
    /// Ranks in the job.
    public let size: Int
    /// Ranks on this host (`OMPI_COMM_WORLD_LOCAL_SIZE`, else 1).
    public let localSize: Int

    /// Loads libmpi (`library`, else the system's) and calls MPI_Init; throws `unavailable` with the reason.
    init(localSize: Int, library: String?) throws {
        var message = [CChar](repeating: 0, count: 512)
        guard cmpi_init(library, &message, Int32(message.count)) == 0 else {
            throw DistributedError.unavailable(String(cString: message))
        }
        rank = Int(cmpi_rank())
        size = Int(cmpi_size())
        self.localSize = localSize
    }

    private func check(_ rc: Int32, _ what: String) throws {
        guard rc == 0 else { throw DistributedError.communication("\(what) returned error \(rc) on rank \(rank)") }
    }

    /// MPI_Allreduce(MPI_IN_PLACE, …, MPI_FLOAT, MPI_SUM).
    public func sumInPlace(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        try check(cmpi_allreduce_sum_float(base, buffer.count), "MPI_Allreduce")
    }

    /// MPI_Allreduce of doubles with MPI_SUM.
    public func sum(_ values: [Double]) throws -> [Double] {
        var v = values
        if !v.isEmpty { try check(cmpi_allreduce_sum_double(&v, Int32(v.count)), "MPI_Allreduce") }
        return v
    }

    /// MPI_Allreduce of doubles with MPI_MAX.
    public func max(_ values: [Double]) throws -> [Double] {
        var v = values
        if !v.isEmpty { try check(cmpi_allreduce_max_double(&v, Int32(v.count)), "MPI_Allreduce") }
        return v
    }

    /// MPI_Bcast of bytes.
    public func broadcast(_ bytes: [UInt8], root: Int) throws -> [UInt8] {
        var b = bytes
        if !b.isEmpty { try check(cmpi_broadcast_bytes(&b, Int32(b.count), Int32(root)), "MPI_Bcast") }
        return b
    }

    /// MPI_Allgather of the counts, then MPI_Allgatherv of the floats.
    public func gather(_ values: [Float]) throws -> [Float] {
        var counts = [Int32](repeating: 0, count: size)
        try check(cmpi_allgather_int(Int32(values.count), &counts), "MPI_Allgather")
        var displacements = [Int32](repeating: 0, count: size)
        for r in 1..<Swift.max(size, 1) { displacements[r] = displacements[r - 1] + counts[r - 1] }
        let total = Int(counts.reduce(0, +))
        var out = [Float](repeating: 0, count: total)
        try values.withUnsafeBufferPointer { send in
            try out.withUnsafeMutableBufferPointer { receive in
                try check(cmpi_allgatherv_float(send.baseAddress, Int32(values.count), receive.baseAddress, counts, displacements),
                          "MPI_Allgatherv")
            }
        }
        return out
    }

    /// MPI_Barrier.
    public func barrier() throws { try check(cmpi_barrier(), "MPI_Barrier") }
}
