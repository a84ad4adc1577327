import Foundation

/// Flat preference pairs rewritten in TRL's conversational formats, so data made for flat prompts (the survey,
/// GlobalOpinionQA) can train a chat model: the prompt becomes a user message, each response an assistant message
/// (its leading whitespace, which only separated it from a flat prompt, removed).
public enum ChatConversion {
    /// The conversational layouts TRL reads.
    public enum Form: String, CaseIterable, Sendable {
        /// Preference data with an explicit prompt: `prompt` [user], `chosen` [assistant], `rejected` [assistant].
        case prompt
        /// Preference data with an implicit prompt: `chosen` and `rejected` are whole conversations.
        case implicit
        /// SFT data: `messages` [user, assistant(chosen)].
        case messages
    }

    /// The JSONL object of `e` in `form`, with its `group`, `id` and `annotator` kept.
    public static func object(_ e: PreferenceExample, form: Form) -> [String: Any] {
        let user = ChatTurn.user(e.prompt).jsonObject
        func reply(_ text: String) -> [String: Any] {
            ChatTurn.assistant(String(text.drop(while: { $0 == " " || $0 == "\n" || $0 == "\t" }))).jsonObject
        }
        var obj: [String: Any]
        switch form {
        case .prompt: obj = ["prompt": [user], "chosen": [reply(e.chosen)], "rejected": [reply(e.rejected)]]
        case .implicit: obj = ["chosen": [user, reply(e.chosen)], "rejected": [user, reply(e.rejected)]]
        case .messages: obj = ["messages": [user, reply(e.chosen)]]
        }
        if !e.group.isEmpty { obj["group"] = e.group }
        if let id = e.id { obj["id"] = id }
        if let annotator = e.annotator { obj["annotator"] = annotator }
        return obj
    }

    /// Writes `examples` in `form` to `url` (atomically).
    public static func write(_ examples: [PreferenceExample], form: Form, to url: URL) throws {
        try JSONLines.write(examples.map { object($0, form: form) }, to: url)
    }
}
