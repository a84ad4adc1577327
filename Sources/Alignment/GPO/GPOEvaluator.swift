import Datasets
import TensorCore

/// A held-out group's few-shot scores: mean 1 − JS distance over its target questions, averaged over repeats.
public struct GPOGroupScore: Equatable, Sendable {
    /// The group.
    public var group: String
    /// GPO conditioned on the context questions.
    public var gpo: Double
    /// The uniform distribution over each question's options.
    public var uniform: Double
    /// The mean of the training groups' distributions on each question.
    public var trainingAverage: Double
    /// Target questions scored per repeat.
    public var targets: Int
}

/// Few-shot evaluation on groups GPO was not trained on: given m context questions of the group with its true
/// shares, predict its distributions on every other question it answered.
public enum GPOEvaluator {
    /// Scores `group` over `repeats` independent context draws (seeded), against the uniform and the
    /// training-average baselines on the same targets.
    public static func evaluate(_ model: GPOModel, data: GPODataset, group: String, trainingGroups: [String],
                                contextQuestions m: Int, repeats: Int = 5, seed: UInt64 = 0) throws -> GPOGroupScore {
        guard m > 0, repeats > 0 else { throw AlignmentError.invalidInput("context questions and repeats must be positive") }
        try data.checkGroups([group], minimum: m + 1)
        try data.checkGroups(trainingGroups, minimum: 0)
        let answered = data.questionIndices(answeredBy: group)
        var rng = SeededGenerator(seed: seed)
        var gpo = 0.0, uniform = 0.0, average = 0.0
        for _ in 0..<repeats {
            let order = GPOTrainer.sample(answered, count: answered.count, rng: &rng)
            let targets = Array(order[m...])
            let episode = try GPOEpisode(dataset: data, group: group, context: Array(order[..<m]), targets: targets)
            let predictions = try model.predict(episode)
            var start = 0
            for (t, qi) in targets.enumerated() {
                let k = episode.targetSizes[t]
                let truth = episode.targetShares[start..<start + k].map(Double.init)
                start += k
                gpo += try JensenShannon.score(predictions[t].map(Double.init), truth)
                uniform += try JensenShannon.score([Double](repeating: 1, count: k), truth)
                average += try JensenShannon.score(trainingAverage(data.questions[qi], groups: trainingGroups), truth)
            }
        }
        let n = Double(repeats * (answered.count - m))
        return GPOGroupScore(group: group, gpo: gpo / n, uniform: uniform / n, trainingAverage: average / n,
                             targets: answered.count - m)
    }

    /// The mean of the normalised shares of the training groups that answered `question`; uniform when none did.
    static func trainingAverage(_ question: GPOQuestion, groups: [String]) -> [Double] {
        var mean = [Double](repeating: 0, count: question.embeddings.count)
        var count = 0.0
        for g in groups {
            guard let s = question.shares[g] else { continue }
            let total = Double(s.reduce(0, +))
            guard total > 0 else { continue }
            for k in mean.indices { mean[k] += Double(s[k]) / total }
            count += 1
        }
        return count > 0 ? mean.map { $0 / count } : mean.map { _ in 1 }
    }
}
