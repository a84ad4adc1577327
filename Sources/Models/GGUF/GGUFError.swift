/// What the GGUF reader, writer and converter reject, each a one-line message naming the file and the problem.
public enum GGUFError: Error, Equatable, CustomStringConvertible {
    /// A file that is not a well-formed GGUF file (truncated, absurd counts, lengths past the end, …).
    case malformed(path: String, String)
    /// A well-formed file using something this reader does not implement (a version, a tensor type).
    case unsupported(path: String, String)
    /// A request the caller made that cannot be carried out (a tensor that is not in the file, a bad option).
    case invalidArgument(String)
    /// A file that could not be opened, written or renamed.
    case io(path: String, String)

    /// The one-line message shown to a user.
    public var description: String {
        switch self {
        case let .malformed(path, s): return "\(path): malformed GGUF: \(s)"
        case let .unsupported(path, s): return "\(path): unsupported GGUF: \(s)"
        case let .invalidArgument(s): return "gguf: \(s)"
        case let .io(path, s): return "\(path): \(s)"
        }
    }
}
