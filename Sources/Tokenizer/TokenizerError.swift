import Foundation

/// Everything that can go wrong reading, building or using a tokenizer; each case prints as one line that names
/// the file, field, token or id at fault.
public enum TokenizerError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// A file is not valid JSON, or a field has the wrong type or is missing.
    case malformed(path: String, field: String, reason: String)
    /// A field names a feature this tokenizer does not implement (another model type, a normalizer, …).
    case unsupported(path: String, field: String, value: String)
    /// Merge number `index` names a token that is not in the vocabulary.
    case unknownMergeToken(index: Int, token: String)
    /// Merge number `index` produces a token that is not in the vocabulary.
    case mergeResultNotInVocabulary(index: Int, token: String)
    /// An id given to `decode` is not in the vocabulary.
    case unknownId(Int)
    /// Training or construction was asked for something impossible.
    case invalidArgument(String)

    /// The one-line message shown to a user.
    public var description: String {
        switch self {
        case let .io(path, reason): return "\(path): \(reason)"
        case let .malformed(path, field, reason): return "\(path): field '\(field)' \(reason)"
        case let .unsupported(path, field, value): return "\(path): \(field) '\(value)' is not supported"
        case let .unknownMergeToken(index, token): return "merge \(index) names unknown token '\(token)'"
        case let .mergeResultNotInVocabulary(index, token):
            return "merge \(index) produces '\(token)', which is not in the vocabulary"
        case let .unknownId(id): return "token id \(id) is not in the vocabulary"
        case let .invalidArgument(message): return message
        }
    }

    /// The same message, for `LocalizedError`.
    public var errorDescription: String? { description }
}
