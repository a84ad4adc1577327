import Datasets
/// What EM-DPO sees of the data: for every list (a pair or a ranking) its size, its ranking and who gave it;
/// optionally the hidden true group of each annotator, used only to score cluster recovery.
public struct AnnotatedRankings: Equatable, Sendable {
    /// Responses per list (≥ 2).
    public var sizes: [Int]
    /// Local response indices best first, per list (possibly partial).
    public var rankings: [[Int]]
    /// Annotator index of each list.
    public var annotatorOfList: [Int]
    /// Annotator names.
    public var annotators: [String]
    /// The true group index of each annotator, when the data has one (never used for fitting).
    public var trueGroups: [Int]?
    /// Names of the true groups.
    public var groupNames: [String]
    /// Per list, an id of each response's text, shared across lists (the same text, the same id); nil when the
    /// data was given as bare arrays. Only the k-means initialisation reads it.
    public var responseIDs: [[Int]]?

    /// Data from explicit arrays; throws when they disagree in length or indices are out of range.
    public init(sizes: [Int], rankings: [[Int]], annotatorOfList: [Int], annotators: [String], trueGroups: [Int]? = nil,
                groupNames: [String] = []) throws {
        guard sizes.count == rankings.count, sizes.count == annotatorOfList.count, !sizes.isEmpty else {
            throw AlignmentError.invalidInput("EM data: \(sizes.count) sizes, \(rankings.count) rankings, \(annotatorOfList.count) annotator ids (need equal, non-zero counts)")
        }
        if let bad = annotatorOfList.first(where: { !annotators.indices.contains($0) }) {
            throw AlignmentError.invalidInput("EM data: annotator id \(bad) is not one of the \(annotators.count) annotators")
        }
        if let trueGroups, trueGroups.count != annotators.count {
            throw AlignmentError.invalidInput("EM data: \(trueGroups.count) true groups for \(annotators.count) annotators")
        }
        self.sizes = sizes
        self.rankings = rankings
        self.annotatorOfList = annotatorOfList
        self.annotators = annotators
        self.trueGroups = trueGroups
        self.groupNames = groupNames
    }

    /// Rankings whose every line names its annotator. When every line also has a group and each annotator's
    /// lines agree on it, that group becomes the annotator's hidden true group.
    public init(examples: [RankingExample], file: String) throws {
        var names: [String] = [], index: [String: Int] = [:], annot: [Int] = []
        var groupOf: [String: String] = [:]
        var consistent = true
        for e in examples {
            guard let a = e.annotator, !a.isEmpty else {
                throw AlignmentError.badData(file: file, line: e.line, "missing field \"annotator\" (EM-DPO clusters annotators)")
            }
            if index[a] == nil { index[a] = names.count; names.append(a) }
            annot.append(index[a]!)
            if e.group.isEmpty || (groupOf[a] != nil && groupOf[a] != e.group) { consistent = false }
            groupOf[a] = e.group
        }
        var truth: [Int]?, groupNames: [String] = []
        if consistent {
            groupNames = Array(Set(groupOf.values)).sorted()
            let gi = Dictionary(uniqueKeysWithValues: groupNames.enumerated().map { ($0.element, $0.offset) })
            truth = names.map { gi[groupOf[$0]!]! }
        }
        try self.init(sizes: examples.map(\.responses.count), rankings: examples.map(\.ranking), annotatorOfList: annot,
                      annotators: names, trueGroups: truth, groupNames: groupNames)
        var textID: [String: Int] = [:]
        responseIDs = examples.map { e in
            e.responses.map { r in
                if let id = textID[r] { return id }
                textID[r] = textID.count
                return textID.count - 1
            }
        }
    }

    /// Number of lists.
    public var count: Int { sizes.count }

    /// The flat `RankedList`s of `lists`, laid out as `EMTypePolicy.logRatios` returns their responses.
    public func flatLists(_ lists: [Int]) -> [RankedList] {
        var offset = 0
        return lists.map { i in
            defer { offset += sizes[i] }
            return RankedList(offset: offset, count: sizes[i], ranking: rankings[i])
        }
    }
}
