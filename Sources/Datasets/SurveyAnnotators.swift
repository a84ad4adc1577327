import Foundation
import TensorCore

/// Individual annotators for a survey, for EM-DPO: each annotator belongs to a hidden group, answers a random
/// subset of questions, and answers like a respondent drawn from that group.
///
/// A pair: chosen = an option sampled from the group's answer distribution p, rejected = a uniformly random
/// other option. Given the two options shown, chosen beats rejected with probability p_a / (p_a + p_b) — the
/// Bradley–Terry model with utility log p, the model EM-DPO fits. A ranking of k ≥ 3 options: k options drawn
/// uniformly, ranked by sampling without replacement proportionally to p (Plackett–Luce with utility log p).
public struct SurveyAnnotators: Sendable {
    /// Number of annotators.
    public var annotators: Int
    /// Questions each annotator answers (distinct, at most the survey's size).
    public var questionsPerAnnotator = 20
    /// Responses per line: 2 gives pairs, k ≥ 3 rankings of k options (all options when a question has fewer).
    public var rankingSize = 2
    /// Share of annotators per group (normalised); nil gives groups in turn (equal sizes).
    public var shares: [Double]?
    /// Seed of every draw.
    public var seed: UInt64

    /// `annotators` annotators with `seed`.
    public init(annotators: Int, seed: UInt64) {
        self.annotators = annotators
        self.seed = seed
    }

    /// Annotator names `ann-0001`, `ann-0002`, …
    public static func name(_ u: Int) -> String { String(format: "ann-%04d", u + 1) }

    /// Every annotator's lines (annotator, hidden group, question id), annotators in order.
    public func rankings(_ survey: Survey) throws -> [RankingExample] {
        guard annotators > 0, questionsPerAnnotator > 0, rankingSize >= 2 else {
            throw DatasetError.invalidInput("need annotators > 0, questions per annotator > 0 and ranking size ≥ 2 (got \(annotators), \(questionsPerAnnotator), \(rankingSize))")
        }
        guard questionsPerAnnotator <= survey.questions.count else {
            throw DatasetError.invalidInput("\(questionsPerAnnotator) questions per annotator but the survey has \(survey.questions.count)")
        }
        if let shares, shares.count != survey.groups.count || !shares.allSatisfy({ $0 >= 0 && $0.isFinite }) || shares.reduce(0, +) <= 0 {
            throw DatasetError.invalidInput("\(shares.count) annotator shares for \(survey.groups.count) groups; need one non-negative share per group with a positive sum")
        }
        var rng = SeededGenerator(seed: seed)
        var out: [RankingExample] = []
        for u in 0..<annotators {
            let group = survey.groups[shares.map { Self.draw($0, &rng) } ?? u % survey.groups.count]
            var order = Array(survey.questions.indices)
            for i in 0..<questionsPerAnnotator { order.swapAt(i, i + rng.nextInt(below: order.count - i)) }
            for qi in order[..<questionsPerAnnotator].sorted() {
                let q = survey.questions[qi]
                guard let p = q.selections[group], p.count == q.options.count, (2...SurveyPairs.maxOptions).contains(p.count) else {
                    throw DatasetError.invalidInput("question \(q.id): no usable answer distribution for \(group)")
                }
                let ranking: [Int], shown: [Int]
                if rankingSize == 2 {
                    let chosen = Self.draw(p, &rng)
                    var rejected = rng.nextInt(below: p.count - 1)
                    if rejected >= chosen { rejected += 1 }
                    (shown, ranking) = ([chosen, rejected], [0, 1])
                } else {
                    var options = Array(p.indices)
                    options.shuffle(using: &rng)
                    shown = options.prefix(min(rankingSize, p.count)).sorted()
                    var left = Array(shown.indices)
                    var placed: [Int] = []
                    while left.count > 1 {
                        let pick = Self.draw(left.map { p[shown[$0]] }, &rng)
                        placed.append(left.remove(at: pick))
                    }
                    ranking = placed + left
                }
                out.append(RankingExample(prompt: SurveyPairs.prompt(for: q), responses: shown.map(SurveyPairs.response),
                                          ranking: ranking, group: group, annotator: Self.name(u), id: q.id))
            }
        }
        return out
    }

    /// The annotators' pairs (ranking size 2) as preference examples.
    public func pairs(_ survey: Survey) throws -> [PreferenceExample] {
        guard rankingSize == 2 else { throw DatasetError.invalidInput("pairs need ranking size 2, got \(rankingSize)") }
        return try rankings(survey).map {
            PreferenceExample(prompt: $0.prompt, chosen: $0.responses[0], rejected: $0.responses[1], group: $0.group,
                              id: $0.id, annotator: $0.annotator)
        }
    }

    /// An index drawn with probability proportional to `weights` (the last index when rounding leaves a remainder).
    static func draw(_ weights: [Double], _ rng: inout SeededGenerator) -> Int {
        var x = rng.nextUniformDouble() * weights.reduce(0, +)
        for (i, w) in weights.enumerated() {
            x -= w
            if x < 0 { return i }
        }
        return weights.count - 1
    }
}
