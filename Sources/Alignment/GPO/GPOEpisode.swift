import Datasets
import TensorCore

/// One few-shot problem for GPO: a group's context questions with their true shares and target questions whose
/// shares are to be predicted. Rows of `points` are (question, option) points, context first.
public struct GPOEpisode {
    /// (N, C + 1): the raw option embedding, then the group's share for a context point or 0 for a target.
    public let points: Tensor
    /// Number of context points M (the first M rows).
    public let contextCount: Int
    /// Options per target question, in order; the target rows follow the context rows in the same order.
    public let targetSizes: [Int]
    /// The group's true shares of the target options, concatenated (normalised per question).
    public let targetShares: [Float]

    /// The episode of `group` with `context` and `targets` (question indices into `dataset`). Throws when the
    /// group did not answer one of them or a list is empty.
    public init(dataset: GPODataset, group: String, context: [Int], targets: [Int]) throws {
        guard !context.isEmpty, !targets.isEmpty else {
            throw AlignmentError.invalidInput("a GPO episode needs at least one context and one target question")
        }
        let c = dataset.dimension
        func shares(_ qi: Int) throws -> [Float] {
            guard let s = dataset.questions[qi].shares[group] else {
                throw AlignmentError.invalidInput("group \"\(group)\" did not answer question \(dataset.questions[qi].id)")
            }
            let total = s.reduce(0, +)
            return total > 0 ? s.map { $0 / total } : s.map { _ in 1 / Float(s.count) }
        }
        var rows: [Float] = []
        var contextCount = 0
        for qi in context {
            let s = try shares(qi)
            for (k, e) in dataset.questions[qi].embeddings.enumerated() { rows += e; rows.append(s[k]) }
            contextCount += s.count
        }
        var sizes: [Int] = [], truth: [Float] = []
        for qi in targets {
            truth += try shares(qi)
            let q = dataset.questions[qi]
            for e in q.embeddings { rows += e; rows.append(0) }
            sizes.append(q.embeddings.count)
        }
        points = Tensor(shape: [rows.count / (c + 1), c + 1], rows)
        self.contextCount = contextCount
        targetSizes = sizes
        targetShares = truth
    }
}
