/// What can go wrong parsing or rendering a chat template; each case prints as one line.
public enum ChatTemplateError: Error, CustomStringConvertible, Equatable {
    /// The template text is not valid Jinja (for our subset); `line` and `column` are 1-based.
    case syntax(line: Int, column: Int, message: String)
    /// Rendering failed (a type error, an undefined value used as an object, …) at the statement on `line`.
    case render(line: Int, message: String)
    /// A filter the template uses does not exist.
    case unknownFilter(name: String, line: Int)
    /// A test (`x is NAME`) the template uses does not exist.
    case unknownTest(name: String, line: Int)
    /// The conversation or variables handed to the template are unusable (empty, a message that is not a dict, …).
    case invalidInput(String)
    /// The template called `raise_exception(message)`: the message is the template author's, shown verbatim.
    case raised(String)

    /// The one-line message shown to a user.
    public var description: String {
        switch self {
        case let .syntax(line, column, message): return "chat template line \(line), column \(column): \(message)"
        case let .render(line, message): return "chat template line \(line): \(message)"
        case let .unknownFilter(name, line): return "chat template line \(line): no filter named '\(name)'"
        case let .unknownTest(name, line): return "chat template line \(line): no test named '\(name)'"
        case let .invalidInput(message): return "chat template input: \(message)"
        case let .raised(message): return message
        }
    }
}

/// A render failure before its line is known; the evaluator attaches the line of the node being run.
struct JinjaFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
