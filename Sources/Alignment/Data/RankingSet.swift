import Datasets
import Autograd
import Models
import Training
import TensorCore

/// A tokenised ranking: one sequence per response, the ranking, and its group index.
public struct EncodedRanking: Equatable, Sendable {
    /// Prompt (with group prefix if any) + response + EOS, per response.
    public var sequences: [EncodedSequence]
    /// Response indices best first (possibly partial).
    public var ranking: [Int]
    /// Index into the set's `groups`.
    public var group: Int
}

/// Rankings ready for training: tokenised like `PreferenceSet`, with the examples that fit.
public struct RankingSet {
    /// Group names; `EncodedRanking.group` indexes this list.
    public let groups: [String]
    /// The encoded rankings.
    public var lists: [EncodedRanking] = []
    /// The examples behind `lists` (same order).
    public var examples: [RankingExample] = []
    /// Rankings dropped because a response did not fit the context.
    public var dropped = 0
    /// Rankings kept with a prompt cut to fit.
    public var truncated = 0

    /// Tokenises `examples`; every example's group must be one of `groups`.
    public init(examples: [RankingExample], groups: [String], encoder: SequenceEncoder, prompt: GroupPrompt,
                file: String = "data") throws {
        self.groups = groups
        let index = Dictionary(uniqueKeysWithValues: groups.enumerated().map { ($0.element, $0.offset) })
        for e in examples {
            guard let g = index[e.group] else {
                throw AlignmentError.badData(file: file, line: e.line, "unknown group \"\(e.group)\" (known: \(groups.map(PreferenceSet.displayName).joined(separator: ", ")))")
            }
            let text = prompt.render(prompt: e.prompt, group: e.group)
            let sequences = e.responses.compactMap { encoder.encode(prompt: text, response: $0) }
            guard sequences.count == e.responses.count else { dropped += 1; continue }
            if sequences.contains(where: \.promptCut) { truncated += 1 }
            lists.append(EncodedRanking(sequences: sequences, ranking: e.ranking, group: g))
            self.examples.append(e)
        }
    }

    /// The ranked lists of `indices` laid out as `logProbs` returns their responses.
    public func flatLists(_ indices: [Int]) -> [RankedList] {
        var offset = 0
        return indices.map { i in
            defer { offset += lists[i].sequences.count }
            return RankedList(offset: offset, count: lists[i].sequences.count, ranking: lists[i].ranking)
        }
    }

    /// Summed response log-probs of every response of lists `indices`, list after list, in one batch, (S); each
    /// list's prompt runs once (see `SequenceLogProbs.compute(model:sequences:sharing:padId:)`).
    public func logProbs(model: any CausalLanguageModel, lists indices: [Int], padId: Int32) throws -> Variable {
        var groups: [[Int]] = [], at = 0
        for i in indices {
            groups.append(Array(at..<(at + lists[i].sequences.count)))
            at += lists[i].sequences.count
        }
        return try SequenceLogProbs.compute(model: model, sequences: indices.flatMap { lists[$0].sequences }, sharing: groups, padId: padId)
    }

    /// The reference model's log-probs of every response, per list, without gradients.
    public func referenceLogProbs(model: any CausalLanguageModel, padId: Int32, batchSize: Int = 16) throws -> [[Float]] {
        var out: [[Float]] = []
        try withNoGrad {
            for start in stride(from: 0, to: lists.count, by: batchSize) {
                let idx = Array(start..<min(start + batchSize, lists.count))
                var lp = try logProbs(model: model, lists: idx, padId: padId).value.scalars[...]
                for i in idx {
                    out.append(Array(lp.prefix(lists[i].sequences.count)))
                    lp = lp.dropFirst(lists[i].sequences.count)
                }
            }
        }
        return out
    }
}
