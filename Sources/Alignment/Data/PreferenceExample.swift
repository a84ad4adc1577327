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
    /// Line in the source file (1-based), for messages.
    public var line: Int

    /// A pair.
    public init(prompt: String, chosen: String, rejected: String, group: String = "", id: String? = nil, line: Int = 0) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
        self.group = group
        self.id = id
        self.line = line
    }

    /// Reads preference JSONL (`prompt`, `chosen`, `rejected`, optional `group` and `id`), rejecting malformed
    /// lines, missing fields and empty responses with `file:line: …`.
    public static func load(_ url: URL) throws -> [PreferenceExample] {
        try JSONLines.read(url).map { line, obj in
            let prompt = try JSONLines.string(obj, "prompt", file: url, line: line, allowEmpty: true)
            let chosen = try JSONLines.string(obj, "chosen", file: url, line: line)
            let rejected = try JSONLines.string(obj, "rejected", file: url, line: line)
            let group = try JSONLines.optionalString(obj, "group", file: url, line: line) ?? ""
            let id = try JSONLines.optionalString(obj, "id", file: url, line: line)
            return PreferenceExample(prompt: prompt, chosen: chosen, rejected: rejected, group: group, id: id, line: line)
        }
    }

    /// Writes examples as preference JSONL (atomically).
    public static func save(_ examples: [PreferenceExample], to url: URL) throws {
        var text = ""
        for e in examples {
            var obj: [String: Any] = ["prompt": e.prompt, "chosen": e.chosen, "rejected": e.rejected, "group": e.group]
            if let id = e.id { obj["id"] = id }
            text += String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self) + "\n"
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url, options: .atomic)
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
                throw AlignmentError.badData(file: url.path, line: line, "missing field \"completion\" (or \"chosen\")")
            }
            let completion = try JSONLines.string(obj, key, file: url, line: line)
            let group = try JSONLines.optionalString(obj, "group", file: url, line: line) ?? ""
            return SFTExample(prompt: prompt, completion: completion, group: group)
        }
    }
}
