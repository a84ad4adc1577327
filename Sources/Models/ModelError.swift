/// What the model layer rejects, each with a one-line message naming the problem.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    /// A configuration that cannot describe a model.
    case invalidConfig(String)
    /// A checkpoint folder or file that does not match its config (missing tensor, wrong shape, …).
    case badCheckpoint(path: String, String)
    /// Token ids or sequence lengths the model cannot take.
    case invalidInput(String)

    /// The one-line message shown to a user.
    public var description: String {
        switch self {
        case let .invalidConfig(s): return "invalid config: \(s)"
        case let .badCheckpoint(path, s): return "\(path): \(s)"
        case let .invalidInput(s): return "invalid input: \(s)"
        }
    }
}
