import Foundation

/// One preference pair in TRL's columns plus the group it speaks for.
public struct PreferenceExample: Equatable, Codable, Sendable {
    /// The question or instruction, without any group prefix.
    public var prompt: String
    /// The preferred response y_w.
    public var chosen: String
    /// The dispreferred response y_l.
    public var rejected: String
    /// The group whose preference this is ("" when the data has no groups).
    public var group: String
    /// Optional identifier, kept for traceability.
    public var id: String?
    /// Who gave this preference (EM-DPO clusters annotators into latent types); nil when unknown.
    public var annotator: String?
    /// Line in the source file (1-based), for messages.
    public var line: Int
    /// The pair as messages when the line is conversational (then `prompt`, `chosen` and `rejected` hold the
    /// turns' plain text, for logs); nil for flat strings.
    public var conversation: ChatPreference?

    /// A pair.
    public init(prompt: String, chosen: String, rejected: String, group: String = "", id: String? = nil, line: Int = 0,
                annotator: String? = nil) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
        self.group = group
        self.id = id
        self.line = line
        self.annotator = annotator
    }

    /// Reads preference JSONL (`prompt`, `chosen`, `rejected`, optional `group`, `id` and `annotator`), rejecting
    /// malformed lines, missing fields and empty responses with `file:line: …`. Ranking lines (`responses` +
    /// `ranking`) are refused with a pointer to `RankingExample.load`.
    public static func load(_ url: URL) throws -> [PreferenceExample] {
        try examples(JSONLines.read(url), file: url)
    }

    /// The pairs of a file's bytes (the fuzz target's entry); `file` names it in messages.
    static func decode(_ data: Data, file url: URL) throws -> [PreferenceExample] {
        try examples(JSONLines.read(data: data, file: url), file: url)
    }

    private static func examples(_ lines: [(line: Int, object: [String: Any])], file url: URL) throws -> [PreferenceExample] {
        try lines.map { line, obj in
            if obj["chosen"] == nil, obj["responses"] != nil {
                throw DatasetError.badData(file: url.path, line: line,
                                             "a ranking line (responses + ranking) where a pair (chosen, rejected) was expected; use a ranking-aware command (rank, em-dpo)")
            }
            if obj["chosen"] == nil, obj["messages"] != nil {
                throw DatasetError.badData(file: url.path, line: line,
                                             "an SFT line (messages) where a preference pair (prompt, chosen, rejected) was expected")
            }
            return try parse(obj, file: url, line: line)
        }
    }

    /// The pair on one JSONL line, or an error naming `file:line` and the field.
    static func parse(_ obj: [String: Any], file url: URL, line: Int) throws -> PreferenceExample {
        if ChatTurn.isConversation(obj["chosen"]) || ChatTurn.isConversation(obj["rejected"]) || ChatTurn.isConversation(obj["prompt"]) {
            return try parseConversation(obj, file: url, line: line)
        }
        let prompt = try JSONLines.string(obj, "prompt", file: url, line: line, allowEmpty: true)
        let chosen = try JSONLines.string(obj, "chosen", file: url, line: line)
        let rejected = try JSONLines.string(obj, "rejected", file: url, line: line)
        let group = try JSONLines.optionalString(obj, "group", file: url, line: line) ?? ""
        let id = try JSONLines.optionalString(obj, "id", file: url, line: line)
        let annotator = try JSONLines.optionalString(obj, "annotator", file: url, line: line)
        return PreferenceExample(prompt: prompt, chosen: chosen, rejected: rejected, group: group, id: id, line: line,
                                 annotator: annotator)
    }

    /// A conversational line (TRL's formats): `prompt` as messages with `chosen`/`rejected` as the messages that
    /// follow, or no `prompt` and two whole conversations whose shared leading messages are the prompt.
    static func parseConversation(_ obj: [String: Any], file url: URL, line: Int) throws -> PreferenceExample {
        func fail(_ message: String) -> DatasetError { .badData(file: url.path, line: line, message) }
        for key in ["prompt", "chosen", "rejected"] where obj[key] != nil && !(obj[key] is [Any]) {
            throw fail("field \"\(key)\" must be a list of messages like the other fields of this conversational line, got \(JSONLines.typeName(obj[key]!))")
        }
        let chosen = try ChatTurn.parseList(obj, "chosen", file: url, line: line)
        let rejected = try ChatTurn.parseList(obj, "rejected", file: url, line: line)
        let pair: ChatPreference
        if obj["prompt"] != nil && !(obj["prompt"] is NSNull) {
            pair = ChatPreference(prompt: try ChatTurn.parseList(obj, "prompt", file: url, line: line), chosen: chosen, rejected: rejected)
        } else {
            pair = ChatPreference.extractingPrompt(chosen: chosen, rejected: rejected)
            guard !pair.prompt.isEmpty else {
                throw fail("no \"prompt\" and the \"chosen\" and \"rejected\" conversations share no leading message to use as one")
            }
        }
        if pair.chosen.isEmpty || pair.rejected.isEmpty {
            throw fail("after the shared prompt, \"\(pair.chosen.isEmpty ? "chosen" : "rejected")\" has no message left")
        }
        let group = try JSONLines.optionalString(obj, "group", file: url, line: line) ?? ""
        let id = try JSONLines.optionalString(obj, "id", file: url, line: line)
        let annotator = try JSONLines.optionalString(obj, "annotator", file: url, line: line)
        var e = PreferenceExample(prompt: pair.prompt.plainText, chosen: pair.chosen.plainText, rejected: pair.rejected.plainText,
                                  group: group, id: id, line: line, annotator: annotator)
        e.conversation = pair
        return e
    }

    /// Writes examples as preference JSONL (atomically); conversational pairs are written with message lists.
    public static func save(_ examples: [PreferenceExample], to url: URL) throws {
        try JSONLines.write(examples.map { e in
            var obj: [String: Any] = ["prompt": e.prompt, "chosen": e.chosen, "rejected": e.rejected, "group": e.group]
            if let c = e.conversation {
                obj["prompt"] = c.prompt.map(\.jsonObject)
                obj["chosen"] = c.chosen.map(\.jsonObject)
                obj["rejected"] = c.rejected.map(\.jsonObject)
            }
            if let id = e.id { obj["id"] = id }
            if let annotator = e.annotator { obj["annotator"] = annotator }
            return obj
        }, to: url)
    }
}

/// One supervised example: a prompt and the completion to imitate.
public struct SFTExample: Equatable, Sendable {
    /// The prompt, without group prefix.
    public var prompt: String
    /// The target completion.
    public var completion: String
    /// The group ("" when none).
    public var group: String
    /// The example as messages when the line is conversational (`messages`, or `prompt`/`completion` as message
    /// lists); then `prompt` and `completion` hold plain text for logs. Nil for flat strings.
    public var conversation: ChatSFT?
    /// Line in the source file (1-based; 0 when not read from a file), for messages.
    public var line = 0

    /// An example.
    public init(prompt: String, completion: String, group: String = "") {
        self.prompt = prompt
        self.completion = completion
        self.group = group
    }

    /// Reads SFT JSONL: `prompt` + `completion` (or `chosen`, so preference files double as SFT data) + optional `group`.
    /// Conversational lines are TRL's: `messages` (a whole conversation), or `prompt` and `completion` as lists of
    /// messages.
    public static func load(_ url: URL) throws -> [SFTExample] {
        try examples(JSONLines.read(url), file: url)
    }

    /// The examples of a file's bytes (the fuzz target's entry); `file` names it in messages.
    static func decode(_ data: Data, file url: URL) throws -> [SFTExample] {
        try examples(JSONLines.read(data: data, file: url), file: url)
    }

    private static func examples(_ lines: [(line: Int, object: [String: Any])], file url: URL) throws -> [SFTExample] {
        try lines.map { line, obj in
            if let conversation = try parseConversation(obj, file: url, line: line) {
                let group = try JSONLines.optionalString(obj, "group", file: url, line: line) ?? ""
                switch conversation {
                case let .messages(turns):
                    var e = SFTExample(prompt: turns.filter { $0.role != "assistant" }.plainText,
                                       completion: turns.filter { $0.role == "assistant" }.plainText, group: group)
                    e.conversation = conversation
                    e.line = line
                    return e
                case let .promptCompletion(prompt, completion):
                    var e = SFTExample(prompt: prompt.plainText, completion: completion.plainText, group: group)
                    e.conversation = conversation
                    e.line = line
                    return e
                }
            }
            let prompt = try JSONLines.string(obj, "prompt", file: url, line: line, allowEmpty: true)
            let key = obj["completion"] != nil ? "completion" : "chosen"
            if obj[key] == nil {
                throw DatasetError.badData(file: url.path, line: line, "missing field \"completion\" (or \"chosen\")")
            }
            let completion = try JSONLines.string(obj, key, file: url, line: line)
            let group = try JSONLines.optionalString(obj, "group", file: url, line: line) ?? ""
            var e = SFTExample(prompt: prompt, completion: completion, group: group)
            e.line = line
            return e
        }
    }

    /// The conversational form of a line, nil for flat strings.
    static func parseConversation(_ obj: [String: Any], file url: URL, line: Int) throws -> ChatSFT? {
        func fail(_ message: String) -> DatasetError { .badData(file: url.path, line: line, message) }
        if obj["messages"] != nil {
            let turns = try ChatTurn.parseList(obj, "messages", file: url, line: line)
            guard turns.contains(where: { $0.role == "assistant" }) else {
                throw fail("field \"messages\" has no assistant message to learn from")
            }
            return .messages(turns)
        }
        let key = obj["completion"] != nil ? "completion" : "chosen"
        guard ChatTurn.isConversation(obj["prompt"]) || ChatTurn.isConversation(obj[key]) else { return nil }
        for k in ["prompt", key] where obj[k] != nil && !(obj[k] is [Any]) {
            throw fail("field \"\(k)\" must be a list of messages like the other fields of this conversational line, got \(JSONLines.typeName(obj[k]!))")
        }
        if obj["prompt"] == nil || obj["prompt"] is NSNull {
            // A conversational preference file without prompts: train on the chosen conversation's reply.
            let chosen = try ChatTurn.parseList(obj, key, file: url, line: line)
            guard key == "chosen", obj["rejected"] != nil else { return .messages(chosen) }
            let pair = ChatPreference.extractingPrompt(chosen: chosen, rejected: try ChatTurn.parseList(obj, "rejected", file: url, line: line))
            guard !pair.prompt.isEmpty else { return .messages(chosen) }
            return .promptCompletion(prompt: pair.prompt, completion: pair.chosen)
        }
        return .promptCompletion(prompt: try ChatTurn.parseList(obj, "prompt", file: url, line: line),
                                 completion: try ChatTurn.parseList(obj, key, file: url, line: line))
    }
}
