import ArgumentParser
import Distributed
import Foundation
import Training

/// The options of data-parallel training under `mpirun` (they also work, and do nothing harmful, in one process).
struct DistributedOptions: ParsableArguments {
    @Option(help: "Examples per step over all MPI ranks (default: --batch-size × ranks; must divide by the ranks).")
    var globalBatchSize: Int?
    @Option(help: "BLAS and kernel threads per MPI rank (default: the host's cores / its ranks, so 1 for 2 ranks on 2 cores).")
    var threadsPerRank: Int?
    @Option(help: "Steps between checks that all MPI ranks hold identical weights (0 = only at the end).")
    var syncCheckEvery = 0

    func validate() throws {
        if let globalBatchSize, globalBatchSize <= 0 { throw ValidationError("--global-batch-size must be positive, got \(globalBatchSize)") }
        if let threadsPerRank, threadsPerRank <= 0 { throw ValidationError("--threads-per-rank must be positive, got \(threadsPerRank)") }
        if syncCheckEvery < 0 { throw ValidationError("--sync-check-every must be 0 or positive, got \(syncCheckEvery)") }
    }

    /// Joins the MPI job when launched by mpirun (a one-line error when MPI cannot start), sets the threads of
    /// this rank, silences the standard output of ranks other than 0 (rank 0 speaks for the job) and copies
    /// the options into `s`.
    func apply(to s: inout TrainingSettings) throws {
        let world = try World.communicator()
        if let globalBatchSize { s.globalBatchSize = globalBatchSize }
        s.syncCheckEvery = syncCheckEvery
        if world.size > 1 || threadsPerRank != nil {
            DataParallel.setThreads(threadsPerRank ?? DataParallel.defaultThreads(localRanks: world.localSize))
        }
        if !world.isLeader { _ = freopen("/dev/null", "w", stdout) }
    }
}
