import Datasets
/// What the alignment layer rejects, each with a one-line message naming the file, line or field.
public enum AlignmentError: Error, Equatable, CustomStringConvertible {
    /// Bad arguments to a loss or weighting.
    case invalidInput(String)
    /// A data file problem: `file:line: message`.
    case badData(file: String, line: Int, String)
    /// A training run that cannot go on (NaN loss, …).
    case training(String)

    /// The one-line message shown to a user.
    public var description: String {
        switch self {
        case let .invalidInput(s): return s
        case let .badData(file, line, s): return line > 0 ? "\(file):\(line): \(s)" : "\(file): \(s)"
        case let .training(s): return s
        }
    }
}
