/// What the training layer rejects or stops on, each with a one-line message.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// A loss or a parameter became NaN or infinite; nothing was saved from that step.
    case diverged(String)
    /// A run folder that cannot be resumed (missing checkpoint, different settings or data).
    case cannotResume(String)
    /// Settings or data the trainer cannot start from.
    case invalidInput(String)
    /// The run folder is held by another live run (`RunLock`).
    case locked(String)
    /// The run folder cannot be created, locked or written (names the path and the reason).
    case runFolder(String)

    /// The one-line message shown to a user.
    public var description: String {
        switch self {
        case let .diverged(s): return "training diverged: \(s)"
        case let .cannotResume(s): return "cannot resume: \(s)"
        case let .invalidInput(s): return "invalid input: \(s)"
        case let .locked(s): return s
        case let .runFolder(s): return s
        }
    }
}
