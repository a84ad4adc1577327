import Foundation

/// One multiple-choice opinion question with each group's answer distribution, GlobalOpinionQA style.
public struct SurveyQuestion: Equatable, Codable, Sendable {
    /// Stable identifier, also the `id` of the preference pairs made from it.
    public var id: String
    /// The question text, without options or group prefix.
    public var question: String
    /// The answer options in the order they are lettered A, B, C, …
    public var options: [String]
    /// Per group, the share of respondents picking each option (same length as `options`, sums to 1).
    public var selections: [String: [Double]]
    /// Where the question comes from ("synthetic", or GlobalOpinionQA's `source` column).
    public var source: String

    /// A question.
    public init(id: String, question: String, options: [String], selections: [String: [Double]], source: String) {
        self.id = id
        self.question = question
        self.options = options
        self.selections = selections
        self.source = source
    }
}

/// A survey: the groups asked and the questions with their per-group answer distributions. Stored as
/// `survey.json` so that later code can score a model's predicted distributions against the groups'.
public struct Survey: Equatable, Codable, Sendable {
    /// Group names, in a fixed order (the order of `--groups`/`--countries`).
    public var groups: [String]
    /// The questions.
    public var questions: [SurveyQuestion]

    /// A survey.
    public init(groups: [String], questions: [SurveyQuestion]) {
        self.groups = groups
        self.questions = questions
    }

    /// The survey as JSON with sorted keys, so equal surveys give equal bytes.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try encoder.encode(self)
    }

    /// Writes `survey.json` atomically (temporary file + rename).
    public func save(to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try jsonData().write(to: url, options: .atomic)
    }

    /// Reads a `survey.json`, naming the file when it cannot be read or decoded.
    public static func load(_ url: URL) throws -> Survey {
        guard let data = try? Data(contentsOf: url) else {
            throw DatasetError.badData(file: url.path, line: 0, "cannot read the file")
        }
        do {
            return try JSONDecoder().decode(Survey.self, from: data)
        } catch {
            throw DatasetError.badData(file: url.path, line: 0, "not a survey: \(error)")
        }
    }
}
