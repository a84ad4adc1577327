import Foundation

/// One ranking of two or more responses to a prompt: `ranking` lists response indices best first. It may be
/// partial — only the top m of n responses are placed (m = 1 is a top-1 choice) and the rest are "below all
/// ranked ones, order unknown". A pair is the ranking `[0]` (or `[0, 1]`) of `[chosen, rejected]`.
///
/// JSONL: `{"prompt", "responses": [...], "ranking": [i, j, …], "group"?, "annotator"?, "id"?}`.
///
/// Bounds of a row read from a file: the JSONL bounds (`JSONLines`), at most `maxResponses` responses (a row's
/// implied pairs and its Plackett–Luce terms grow with the square of its responses), ranking indices integral.
public struct RankingExample: Equatable, Sendable {
    /// The most responses a ranking read from a file may hold (256: at most 32 640 implied pairs per row).
    public static let maxResponses = 256

    /// The question or instruction, without any group prefix.
    public var prompt: String
    /// The responses shown (n ≥ 2).
    public var responses: [String]
    /// Indices into `responses`, best first; 1 ≤ m ≤ n distinct entries.
    public var ranking: [Int]
    /// The group whose preference this is ("" when the data has no groups).
    public var group: String
    /// Who ranked (EM-DPO clusters annotators into latent types); nil when unknown.
    public var annotator: String?
    /// Optional identifier, kept for traceability.
    public var id: String?
    /// Line in the source file (1-based), for messages.
    public var line: Int

    /// A ranking; `validate` checks it.
    public init(prompt: String, responses: [String], ranking: [Int], group: String = "", annotator: String? = nil,
                id: String? = nil, line: Int = 0) {
        self.prompt = prompt
        self.responses = responses
        self.ranking = ranking
        self.group = group
        self.annotator = annotator
        self.id = id
        self.line = line
    }

    /// A pair as the ranking "chosen over rejected".
    public init(pair: PreferenceExample) {
        self.init(prompt: pair.prompt, responses: [pair.chosen, pair.rejected], ranking: [0], group: pair.group,
                  annotator: pair.annotator, id: pair.id, line: pair.line)
    }

    /// The problem with this ranking (fewer than 2 responses, an empty response, an index out of range, a
    /// duplicate, no ranked entry), or nil when it is well formed.
    public var problem: String? {
        if responses.count < 2 { return "a ranking needs at least 2 responses, got \(responses.count)" }
        if let i = responses.firstIndex(where: \.isEmpty) { return "response \(i) is empty" }
        if ranking.isEmpty { return "field \"ranking\" is empty (list at least the best response)" }
        if let bad = ranking.first(where: { !responses.indices.contains($0) }) {
            return "ranking index \(bad) is out of range for \(responses.count) responses (0...\(responses.count - 1))"
        }
        if Set(ranking).count != ranking.count { return "ranking \(ranking) lists a response twice" }
        return nil
    }

    /// The pairs the ranking implies: every ranked response over every response placed after it or not ranked.
    /// Time is linear in the pairs made (m ranked of n responses: about m·n): the unranked responses are found once,
    /// not once per ranked response by searching the ranking for each response (m²·n).
    public var impliedPairs: [PreferenceExample] {
        var out: [PreferenceExample] = []
        var isRanked = [Bool](repeating: false, count: responses.count)
        for r in ranking where responses.indices.contains(r) { isRanked[r] = true }
        let unranked = responses.indices.filter { !isRanked[$0] }
        for (j, better) in ranking.enumerated() {
            for worse in ranking[(j + 1)...] + unranked {
                out.append(PreferenceExample(prompt: prompt, chosen: responses[better], rejected: responses[worse],
                                             group: group, id: id, line: line, annotator: annotator))
            }
        }
        return out
    }

    /// Reads ranking JSONL. Lines with `responses` + `ranking` are rankings; lines with `chosen` + `rejected` are
    /// read as two-response rankings, so one file may mix both. Errors name `file:line`.
    public static func load(_ url: URL) throws -> [RankingExample] {
        try examples(JSONLines.read(url), file: url)
    }

    /// The rankings of a file's bytes (the fuzz target's entry); `file` names it in messages.
    static func decode(_ data: Data, file url: URL) throws -> [RankingExample] {
        try examples(JSONLines.read(data: data, file: url), file: url)
    }

    private static func examples(_ lines: [(line: Int, object: [String: Any])], file url: URL) throws -> [RankingExample] {
        try lines.map { line, obj in
            if obj["responses"] == nil {
                if obj["chosen"] == nil && obj["ranking"] != nil {
                    throw DatasetError.badData(file: url.path, line: line, "missing field \"responses\"")
                }
                return RankingExample(pair: try PreferenceExample.parse(obj, file: url, line: line))
            }
            let prompt = try JSONLines.string(obj, "prompt", file: url, line: line, allowEmpty: true)
            guard let responses = obj["responses"] as? [String] else {
                throw DatasetError.badData(file: url.path, line: line, "field \"responses\" must be an array of strings")
            }
            guard responses.count <= maxResponses else {
                throw DatasetError.badData(file: url.path, line: line,
                                           "field \"responses\" holds \(responses.count) responses, more than the limit of \(maxResponses)")
            }
            guard let raw = obj["ranking"] else {
                throw DatasetError.badData(file: url.path, line: line, "missing field \"ranking\"")
            }
            // Booleans are NSNumbers too, and 1e300 does not fit an Int: both are refused, not coerced.
            guard let list = raw as? [NSNumber], list.allSatisfy({ n in
                String(cString: n.objCType) != "c" && n.doubleValue.rounded() == n.doubleValue && abs(n.doubleValue) < 1e9
            }) else {
                throw DatasetError.badData(file: url.path, line: line, "field \"ranking\" must be an array of integer indices")
            }
            let example = RankingExample(
                prompt: prompt, responses: responses, ranking: list.map { Int($0.doubleValue) },
                group: try JSONLines.optionalString(obj, "group", file: url, line: line) ?? "",
                annotator: try JSONLines.optionalString(obj, "annotator", file: url, line: line),
                id: try JSONLines.optionalString(obj, "id", file: url, line: line), line: line)
            if let problem = example.problem { throw DatasetError.badData(file: url.path, line: line, problem) }
            return example
        }
    }

    /// Writes rankings as JSONL (atomically), optional fields only when set.
    public static func save(_ examples: [RankingExample], to url: URL) throws {
        try JSONLines.write(examples.map { e in
            var obj: [String: Any] = ["prompt": e.prompt, "responses": e.responses, "ranking": e.ranking, "group": e.group]
            if let id = e.id { obj["id"] = id }
            if let annotator = e.annotator { obj["annotator"] = annotator }
            return obj
        }, to: url)
    }
}
