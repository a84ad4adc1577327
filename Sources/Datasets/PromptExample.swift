import Foundation

/// One prompt to generate from: the question and, optionally, the group it is asked for.
public struct PromptExample: Equatable, Sendable {
    /// The prompt, without group prefix.
    public var prompt: String
    /// The group ("" when none); rendered into the prompt by a `GroupPrompt` as in training.
    public var group: String
    /// Line in the source file (1-based), for messages.
    public var line: Int

    /// A prompt.
    public init(prompt: String, group: String = "", line: Int = 0) {
        self.prompt = prompt
        self.group = group
        self.line = line
    }

    /// Reads prompt JSONL: a non-empty `prompt` and an optional `group` per line (other fields, such as a
    /// preference file's `chosen`/`rejected`, are ignored, so preference data doubles as a prompt set).
    public static func load(_ url: URL) throws -> [PromptExample] {
        try JSONLines.read(url).map { line, obj in
            PromptExample(prompt: try JSONLines.string(obj, "prompt", file: url, line: line),
                          group: try JSONLines.optionalString(obj, "group", file: url, line: line) ?? "", line: line)
        }
    }
}
