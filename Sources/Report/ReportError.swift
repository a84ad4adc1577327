/// What the report rejects: a run folder file it cannot read, naming the file and line.
public enum ReportError: Error, Equatable, CustomStringConvertible {
    /// A run-folder file problem: `file:line: message`.
    case badData(file: String, line: Int, String)

    /// The one-line message shown to a user.
    public var description: String {
        switch self {
        case let .badData(file, line, s): return line > 0 ? "\(file):\(line): \(s)" : "\(file): \(s)"
        }
    }
}
