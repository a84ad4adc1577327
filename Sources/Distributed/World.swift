import CMPI
import Foundation

/// The processes this one trains with: `SingleProcess` unless an MPI launcher started it. Decided once per
/// process from the launcher's environment, so a run without `mpirun` never loads MPI and behaves as before.
public enum World {
    /// Environment variables by which launchers other than Open MPI's announce a multi-process job.
    static let foreignLauncherVariables = ["PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "HYDRA_CONTROL_FD"]

    /// Names the Open MPI library to load instead of the system's `libmpi.so.40` (an Open MPI built elsewhere).
    public static let libraryVariable = "TINYALIGN_LIBMPI"

    nonisolated(unsafe) private static var cached: Communicator?
    nonisolated(unsafe) private static var failure: Error?

    /// The communicator of this process (MPI is initialised on first use when launched by Open MPI's mpirun).
    /// Throws `DistributedError.unavailable` when launched by mpirun but MPI cannot start.
    public static func communicator() throws -> Communicator {
        if let cached { return cached }
        if let failure { throw failure }
        do {
            let c = try make(environment: ProcessInfo.processInfo.environment)
            cached = c
            return c
        } catch {
            failure = error
            throw error
        }
    }

    /// The communicator when it is already known to work (rank 0 of a single process otherwise); for code
    /// that only asks "do I write files?" after training started.
    public static var current: Communicator { cached ?? SingleProcess.shared }

    /// Whether this process was started by a launcher with more than one rank.
    public static func launchedSize(environment: [String: String]) -> Int? {
        guard let size = environment["OMPI_COMM_WORLD_SIZE"].flatMap(Int.init) else { return nil }
        return size
    }

    static func make(environment: [String: String]) throws -> Communicator {
        guard let size = launchedSize(environment: environment) else {
            if let v = foreignLauncherVariables.first(where: { environment[$0] != nil }) {
                throw DistributedError.unavailable("started by a launcher that is not Open MPI's mpirun (\(v) is set); "
                                                   + "TinyAlign's data parallelism needs Open MPI")
            }
            return SingleProcess.shared
        }
        if size <= 1 { return SingleProcess.shared }
        let local = environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init) ?? 1
        let c = try MPICommunicator(localSize: local, library: environment[libraryVariable])
        guard c.size == size else {
            throw DistributedError.unavailable("mpirun announced \(size) ranks but MPI_COMM_WORLD has \(c.size)")
        }
        atexit { _ = cmpi_finalize() }
        return c
    }

    /// Ends this rank at once and, through mpirun, the whole job (MPI_Abort), with `status`.
    public static func abort(status: Int32) -> Never {
        cmpi_abort(status)
        exit(status)
    }

    /// Calls MPI_Finalize if MPI is running (also done at exit).
    public static func finalize() { _ = cmpi_finalize() }

    /// Seconds on MPI's clock (0 without MPI): for timing communication.
    public static func wallTime() -> Double { cmpi_wtime() }

    /// Rank 0 says `message` in one line and exits when mpirun stops the job (SIGTERM, sent when another rank
    /// died) or the user interrupts it; `updateStopMessage` replaces the text as the run progresses.
    public static func installStopMessage(_ message: String) { cmpi_install_stop_handler(message) }

    /// The line the stop handler prints from now on.
    public static func updateStopMessage(_ message: String) { cmpi_set_stop_message(message) }
}
