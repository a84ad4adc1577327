import TensorCore

/// A pretraining corpus made from a survey: answers sampled from each group's distribution, so that a language
/// model trained on it learns how each group answers, not only the majority answer.
public enum SurveyCorpus {
    /// One document per sample:
    /// `Opinion of people in {group} on: {question}\nPlease select the best response:\nA. …\nAnswer: {letter}`,
    /// `samplesPerQuestion` samples for every (question, group) the survey has, documents shuffled (seeded) and
    /// separated by a blank line.
    public static func text(_ survey: Survey, samplesPerQuestion: Int, seed: UInt64,
                            groupPrompt: GroupPrompt = GroupPrompt()) throws -> String {
        guard samplesPerQuestion > 0 else {
            throw DatasetError.invalidInput("samples per question must be positive, got \(samplesPerQuestion)")
        }
        var rng = SeededGenerator(seed: seed)
        var docs: [String] = []
        for q in survey.questions {
            let prompt = SurveyPairs.prompt(for: q)
            for group in survey.groups {
                guard let shares = q.selections[group] else { continue }
                guard shares.count == q.options.count, q.options.count <= SurveyPairs.maxOptions else {
                    throw DatasetError.invalidInput("question \(q.id): \(shares.count) shares for \(group) but "
                        + "\(q.options.count) options")
                }
                let head = groupPrompt.render(prompt: prompt, group: group)
                for _ in 0..<samplesPerQuestion {
                    docs.append(head + SurveyPairs.response(sample(shares, rng: &rng)))
                }
            }
        }
        for i in docs.indices.dropLast() { docs.swapAt(i, i + rng.nextInt(below: docs.count - i)) }
        return docs.joined(separator: "\n\n") + "\n"
    }

    /// An index drawn with probability proportional to `weights` (inverse CDF).
    static func sample(_ weights: [Double], rng: inout SeededGenerator) -> Int {
        let total = weights.reduce(0, +)
        var u = rng.nextUniformDouble() * total
        for (i, w) in weights.enumerated() {
            u -= w
            if u < 0 { return i }
        }
        return weights.count - 1
    }

    /// A corpus of the whole population's answers with no group prefix: for each question, answers sampled from
    /// the share-weighted mixture of the groups' distributions. A model pretrained on it knows the survey's format
    /// and the population's opinions, but not how any one group answers — that is left to alignment.
    public static func populationText(_ survey: Survey, shares: [Double], samplesPerQuestion: Int, seed: UInt64) throws -> String {
        guard samplesPerQuestion > 0, shares.count == survey.groups.count, shares.allSatisfy({ $0 >= 0 }),
              shares.reduce(0, +) > 0 else {
            throw DatasetError.invalidInput("need one non-negative share per group and a positive sample count")
        }
        var rng = SeededGenerator(seed: seed)
        var docs: [String] = []
        for q in survey.questions {
            var mixture = [Double](repeating: 0, count: q.options.count)
            for (g, group) in survey.groups.enumerated() {
                guard let p = q.selections[group], p.count == mixture.count else { continue }
                for k in p.indices { mixture[k] += shares[g] * p[k] }
            }
            let head = SurveyPairs.prompt(for: q)
            for _ in 0..<samplesPerQuestion { docs.append(head + SurveyPairs.response(sample(mixture, rng: &rng))) }
        }
        for i in docs.indices.dropLast() { docs.swapAt(i, i + rng.nextInt(below: docs.count - i)) }
        return docs.joined(separator: "\n\n") + "\n"
    }
}
