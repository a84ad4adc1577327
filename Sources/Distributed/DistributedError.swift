/// Why a data-parallel run cannot start or go on; each is one line for the user.
public enum DistributedError: Error, CustomStringConvertible {
    /// Launched by mpirun, but MPI cannot be used (library missing, MPI_Init failed, another MPI's launcher).
    case unavailable(String)
    /// A collective call failed (a peer died, the network broke).
    case communication(String)
    /// The ranks do not agree (settings, data, weights): every rank found the same, only rank 0 reports it.
    case disagreement(String)
    /// The run's settings do not fit the number of ranks.
    case invalidSetup(String)

    /// The one-line message.
    public var description: String {
        switch self {
        case .unavailable(let m): return "MPI is not usable: \(m)"
        case .communication(let m): return "MPI communication failed: \(m)"
        case .disagreement(let m): return m
        case .invalidSetup(let m): return m
        }
    }
}
