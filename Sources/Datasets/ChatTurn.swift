import Foundation

/// One message of a conversational example (TRL's `{"role": …, "content": …}`), as read from a JSONL line.
public struct ChatTurn: Equatable, Codable, Sendable {
    /// The roles a data file may use; anything else is a typo that would silently reach the chat template.
    public static let knownRoles = ["system", "user", "assistant", "tool"]

    /// "system", "user", "assistant" or "tool".
    public var role: String
    /// The message text.
    public var content: String
    /// Any further fields of the message (`tool_calls`, `reasoning_content`, …) as JSON with sorted keys, kept so a
    /// template that reads them sees them; nil when the message has only `role` and `content`.
    public var otherFieldsJSON: String?

    /// A message.
    public init(role: String, content: String, otherFieldsJSON: String? = nil) {
        self.role = role
        self.content = content
        self.otherFieldsJSON = otherFieldsJSON
    }

    /// A user message.
    public static func user(_ text: String) -> ChatTurn { ChatTurn(role: "user", content: text) }
    /// An assistant message.
    public static func assistant(_ text: String) -> ChatTurn { ChatTurn(role: "assistant", content: text) }
    /// A system message.
    public static func system(_ text: String) -> ChatTurn { ChatTurn(role: "system", content: text) }

    /// The message as a JSON object (for writing data files).
    public var jsonObject: [String: Any] {
        var obj: [String: Any] = [:]
        if let otherFieldsJSON, let data = otherFieldsJSON.data(using: .utf8),
           let extra = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            obj = extra
        }
        obj["role"] = role
        obj["content"] = content
        return obj
    }

    /// The most messages one conversation field of a JSONL row may hold (1 024).
    public static let maxMessages = 1024

    /// Whether a JSON field value looks like a conversation (a list whose first item is an object), which is how
    /// TRL tells conversational data from flat strings.
    static func isConversation(_ value: Any?) -> Bool {
        guard let list = value as? [Any] else { return false }
        return list.isEmpty || list.first is [String: Any]
    }

    /// The messages of field `key`, or an error naming `file:line`, the field and the message at fault: an empty
    /// list, a message that is not an object, an unknown or missing `role`, a missing or non-string `content`.
    ///
    /// Bounds: those of the JSONL line the messages come from (`JSONLines`: at most `JSONLines.maxLineBytes` bytes,
    /// refused before parsing, so no content is longer; nesting ≤ `JSONStructureCheck.maxDepth`, so a message's
    /// other fields re-serialised here nest no deeper than the chat template's JSON reader accepts); a role from
    /// `knownRoles`; every content a string; at most `maxMessages` messages (encoding renders a conversation once per
    /// assistant turn and tokenises up to each, so its cost grows with the square of the messages)
    /// (`ChatJSONLBoundsTests`, the fuzz target FuzzChatJSONL).
    static func parseList(_ obj: [String: Any], _ key: String, file: URL, line: Int) throws -> [ChatTurn] {
        func fail(_ message: String) -> DatasetError { .badData(file: file.path, line: line, message) }
        guard let value = obj[key] else { throw fail("missing field \"\(key)\"") }
        guard let list = value as? [Any] else {
            throw fail("field \"\(key)\" must be a list of messages, got \(JSONLines.typeName(value))")
        }
        guard !list.isEmpty else { throw fail("field \"\(key)\" is an empty conversation") }
        guard list.count <= maxMessages else {
            throw fail("field \"\(key)\" holds \(list.count) messages, more than the limit of \(maxMessages)")
        }
        return try list.enumerated().map { i, item in
            let at = "\(key)[\(i)]"
            guard let message = item as? [String: Any] else {
                throw fail("\(at) must be a message object {\"role\", \"content\"}, got \(JSONLines.typeName(item))")
            }
            guard let roleValue = message["role"] else { throw fail("\(at) has no \"role\"") }
            guard let role = roleValue as? String else {
                throw fail("\(at).role must be a string, got \(JSONLines.typeName(roleValue))")
            }
            guard knownRoles.contains(role) else {
                throw fail("\(at) has unknown role \"\(role)\" (known: \(knownRoles.joined(separator: ", ")))")
            }
            guard let contentValue = message["content"], !(contentValue is NSNull) else {
                throw fail("\(at) (\(role)) has no \"content\"")
            }
            guard let content = contentValue as? String else {
                throw fail("\(at).content must be a string, got \(JSONLines.typeName(contentValue))")
            }
            var rest = message
            rest["role"] = nil
            rest["content"] = nil
            var other: String?
            if !rest.isEmpty {
                let data = try JSONSerialization.data(withJSONObject: rest, options: [.sortedKeys])
                other = String(decoding: data, as: UTF8.self)
            }
            return ChatTurn(role: role, content: content, otherFieldsJSON: other)
        }
    }
}

/// A conversational preference pair: the shared prompt turns and the two continuations (TRL's conversational
/// `prompt`/`chosen`/`rejected`, with an implicit prompt already extracted).
public struct ChatPreference: Equatable, Codable, Sendable {
    /// The conversation so far (ends with the turn the responses answer).
    public var prompt: [ChatTurn]
    /// The preferred continuation (usually one assistant message).
    public var chosen: [ChatTurn]
    /// The dispreferred continuation.
    public var rejected: [ChatTurn]

    /// A pair.
    public init(prompt: [ChatTurn], chosen: [ChatTurn], rejected: [ChatTurn]) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
    }

    /// TRL's `extract_prompt` for conversations: the longest run of leading messages both share is the prompt.
    /// Like TRL, when one conversation is a prefix of the other the last shared message stays in the responses.
    public static func extractingPrompt(chosen: [ChatTurn], rejected: [ChatTurn]) -> ChatPreference {
        let n = min(chosen.count, rejected.count)
        var idx = max(n - 1, 0)
        for i in 0..<n where chosen[i] != rejected[i] { idx = i; break }
        return ChatPreference(prompt: Array(chosen[..<idx]), chosen: Array(chosen[idx...]), rejected: Array(rejected[idx...]))
    }
}

/// A conversational SFT example: a whole conversation (loss on assistant turns only) or a prompt and its
/// completion as messages (loss on the completion only).
public enum ChatSFT: Equatable, Codable, Sendable {
    /// TRL's `messages` column.
    case messages([ChatTurn])
    /// TRL's conversational `prompt` + `completion`.
    case promptCompletion(prompt: [ChatTurn], completion: [ChatTurn])
}

extension Array where Element == ChatTurn {
    /// The turns' text, one per line (a flat stand-in for logs and for code that reads only strings).
    public var plainText: String { map(\.content).joined(separator: "\n") }
}
