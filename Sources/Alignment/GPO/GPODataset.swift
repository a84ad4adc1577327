import Datasets
/// One question as GPO sees it: an embedding per option and, per group, the share choosing each option.
public struct GPOQuestion: Sendable {
    /// Identifier (the survey's question id).
    public var id: String
    /// One (C) embedding per option, in option order.
    public var embeddings: [[Float]]
    /// Per group, the share of each option (same length as `embeddings`).
    public var shares: [String: [Float]]

    /// A question.
    public init(id: String, embeddings: [[Float]], shares: [String: [Float]]) {
        self.id = id
        self.embeddings = embeddings
        self.shares = shares
    }
}

/// The embedded questions and the groups' answer distributions GPO is meta-trained and evaluated on.
public struct GPODataset: Sendable {
    /// Embedding dimension C.
    public let dimension: Int
    /// Group names.
    public let groups: [String]
    /// The questions.
    public let questions: [GPOQuestion]

    /// Checks that every embedding has `dimension` values, every question has ≥ 2 options and every share list
    /// has one non-negative share per option; the message names the question and group at fault.
    public init(dimension: Int, groups: [String], questions: [GPOQuestion]) throws {
        guard dimension > 0 else { throw AlignmentError.invalidInput("GPO data: embedding dimension must be positive") }
        for q in questions {
            guard q.embeddings.count >= 2, q.embeddings.allSatisfy({ $0.count == dimension }) else {
                throw AlignmentError.invalidInput("GPO data: question \(q.id) needs ≥ 2 option embeddings of \(dimension) values")
            }
            for (group, s) in q.shares where s.count != q.embeddings.count || !s.allSatisfy({ $0 >= 0 && $0.isFinite }) {
                throw AlignmentError.invalidInput("GPO data: question \(q.id), group \(group): \(s.count) shares for "
                    + "\(q.embeddings.count) options (need one finite, non-negative share each)")
            }
        }
        self.dimension = dimension
        self.groups = groups
        self.questions = questions
    }

    /// Indices of the questions `group` answered.
    public func questionIndices(answeredBy group: String) -> [Int] {
        questions.indices.filter { questions[$0].shares[group] != nil }
    }

    /// Throws unless every name is a group of the data that answered at least `minimum` questions.
    public func checkGroups(_ names: [String], minimum: Int) throws {
        for name in names {
            guard groups.contains(name) else {
                throw AlignmentError.invalidInput("group \"\(name)\" is not in the survey (groups: \(groups.joined(separator: ", ")))")
            }
            let answered = questionIndices(answeredBy: name).count
            guard answered >= minimum else {
                throw AlignmentError.invalidInput("group \"\(name)\" answered \(answered) questions; need at least \(minimum)")
            }
        }
    }

    /// Per-feature mean and standard deviation over every option embedding (std floored at 1e-6), used to
    /// standardise GPO's inputs: mean-pooled states of prompts that share most tokens differ from each other by
    /// far less than they differ from zero.
    public func embeddingStatistics() -> (mean: [Float], std: [Float]) {
        var sum = [Double](repeating: 0, count: dimension), sq = sum
        var count = 0.0
        for q in questions {
            for e in q.embeddings {
                for j in 0..<dimension { sum[j] += Double(e[j]); sq[j] += Double(e[j]) * Double(e[j]) }
                count += 1
            }
        }
        let n = max(count, 1)
        let mean = sum.map { $0 / n }
        let std = zip(sq, mean).map { Swift.max(($0 / n - $1 * $1).squareRoot(), 1e-6) }
        return (mean.map(Float.init), std.map(Float.init))
    }
}
