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
            return try parse(obj, file: url, line: line)
        }
    }

    /// The pair on one JSONL line, or an error naming `file:line` and the field.
    static func parse(_ obj: [String: Any], file url: URL, line: Int) throws -> PreferenceExample {
        let prompt = try JSONLines.string(obj, "prompt", file: url, line: line, allowEmpty: true)
        let chosen = try JSONLines.string(obj, "chosen", file: url, line: line)
        let rejected = try JSONLines.string(obj, "rejected", file: url, line: line)
        let group = try JSONLines.optionalString(obj, "group", file: url, line: line) ?? ""
        let id = try JSONLines.optionalString(obj, "id", file: url, line: line)
        let annotator = try JSONLines.optionalString(obj, "annotator", file: url, line: line)
        return PreferenceExample(prompt: prompt, chosen: chosen, rejected: rejected, group: group, id: id, line: line,
                                 annotator: annotator)
    }

    /// Writes examples as preference JSONL (atomically).
    public static func save(_ examples: [PreferenceExample], to url: URL) throws {
        try JSONLines.write(examples.map { e in
            var obj: [String: Any] = ["prompt": e.prompt, "chosen": e.chosen, "rejected": e.rejected, "group": e.group]
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

    /// An example.
    public init(prompt: String, completion: String, group: String = "") {
        self.prompt = prompt
        self.completion = completion
        self.group = group
    }

    /// Reads SFT JSONL: `prompt` + `completion` (or `chosen`, so preference files double as SFT data) + optional `group`.
    public static func load(_ url: URL) throws -> [SFTExample] {
        try JSONLines.read(url).map { line, obj in
            let prompt = try JSONLines.string(obj, "prompt", file: url, line: line, allowEmpty: true)
            let key = obj["completion"] != nil ? "completion" : "chosen"
            if obj[key] == nil {
                throw DatasetError.badData(file: url.path, line: line, "missing field \"completion\" (or \"chosen\")")
            }
            let completion = try JSONLines.string(obj, key, file: url, line: line)
            let group = try JSONLines.optionalString(obj, "group", file: url, line: line) ?? ""
            return SFTExample(prompt: prompt, completion: completion, group: group)
        }
    }
}
