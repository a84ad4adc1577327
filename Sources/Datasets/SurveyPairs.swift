import TensorCore

/// The GRPO paper's rule for turning survey answers into preference pairs (ALGORITHMS.md §6): one pair per
/// (question, group); chosen = the letter of the group's most popular option, rejected = the letter of a
/// uniformly random other option. Responses are bare letters; the group prefix is left to `GroupPrompt`.
public enum SurveyPairs {
    /// The most options a question may have (one letter each).
    public static let maxOptions = 26

    /// The letter of option `index` (0 → "A").
    public static func letter(_ index: Int) -> String {
        String(UnicodeScalar(UInt8(65 + index)))
    }

    /// `question\nPlease select the best response:\nA. opt1\nB. opt2…\nAnswer:` — the prompt without the group
    /// prefix. It ends in `Answer:` so that the response, a space and a letter, starts on a token boundary and
    /// reads as the pretraining corpus does.
    public static func prompt(for question: SurveyQuestion) -> String {
        var text = question.question + "\nPlease select the best response:"
        for (i, option) in question.options.enumerated() { text += "\n\(letter(i)). \(option)" }
        return text + "\nAnswer:"
    }

    /// The response for option `index`: a space and its letter (" A").
    public static func response(_ index: Int) -> String { " " + letter(index) }

    /// Index of the largest share; the first one wins a tie, so the rule is deterministic.
    public static func argmax(_ shares: [Double]) -> Int {
        var best = 0
        for i in shares.indices where shares[i] > shares[best] { best = i }
        return best
    }

    /// The pair for `group` on `question`, or nil when the group did not answer it. The rejected option is drawn
    /// uniformly from the other options with `rng`.
    public static func pair(question: SurveyQuestion, group: String,
                            rng: inout SeededGenerator) throws -> PreferenceExample? {
        guard let shares = question.selections[group] else { return nil }
        guard (2...maxOptions).contains(question.options.count), shares.count == question.options.count else {
            throw DatasetError.invalidInput("question \(question.id): \(question.options.count) options and "
                + "\(shares.count) shares for \(group); need 2–\(maxOptions) options, one share each")
        }
        let chosen = argmax(shares)
        var rejected = rng.nextInt(below: shares.count - 1)
        if rejected >= chosen { rejected += 1 }
        return PreferenceExample(prompt: prompt(for: question), chosen: response(chosen), rejected: response(rejected),
                                 group: group, id: question.id)
    }

    /// Every (question, group) pair the survey has, groups in survey order, questions in file order.
    public static func all(_ survey: Survey, seed: UInt64) throws -> [PreferenceExample] {
        var rng = SeededGenerator(seed: seed)
        var out: [PreferenceExample] = []
        for group in survey.groups {
            for q in survey.questions {
                if let p = try pair(question: q, group: group, rng: &rng) { out.append(p) }
            }
        }
        return out
    }

    /// Imbalanced data: group g answers round(share_g × total) questions drawn without replacement from the
    /// survey (shares are normalised to sum to 1), so large groups contribute more pairs than small ones.
    public static func imbalanced(_ survey: Survey, shares: [Double], total: Int,
                                  seed: UInt64) throws -> [PreferenceExample] {
        let counts = try groupCounts(shares: shares, total: total, groups: survey.groups.count,
                                     questions: survey.questions.count)
        var rng = SeededGenerator(seed: seed)
        var out: [PreferenceExample] = []
        for (g, group) in survey.groups.enumerated() {
            var order = Array(survey.questions.indices)
            for i in 0..<counts[g] {                  // partial Fisher–Yates: the first counts[g] are the sample
                order.swapAt(i, i + rng.nextInt(below: order.count - i))
            }
            for qi in order[..<counts[g]].sorted() {
                if let p = try pair(question: survey.questions[qi], group: group, rng: &rng) { out.append(p) }
            }
        }
        return out
    }

    /// round(share_g × total) per group, after checking the shares and that no group needs more questions
    /// than the survey has.
    public static func groupCounts(shares: [Double], total: Int, groups: Int, questions: Int) throws -> [Int] {
        guard shares.count == groups else {
            throw DatasetError.invalidInput("\(shares.count) shares given for \(groups) groups")
        }
        guard shares.allSatisfy({ $0.isFinite && $0 >= 0 }), shares.reduce(0, +) > 0 else {
            throw DatasetError.invalidInput("shares must be non-negative numbers with a positive sum, got \(shares)")
        }
        guard total > 0 else { throw DatasetError.invalidInput("the number of pairs must be positive, got \(total)") }
        let sum = shares.reduce(0, +)
        let counts = shares.map { Int(($0 / sum * Double(total)).rounded()) }
        if let g = counts.firstIndex(where: { $0 > questions }) {
            throw DatasetError.invalidInput("group \(g + 1) needs \(counts[g]) questions but the survey has only "
                + "\(questions); lower the number of pairs or raise the number of questions")
        }
        return counts
    }
}
