import Models

/// Sequences that share a prompt (a pair's chosen and rejected, a ranking's k responses) packed into one row
/// each, so the prompt runs through the model once instead of once per response.
///
/// A group's row is [prefix, segment 1, segment 2, …]: the prefix is the group's common ids before the last one
/// every member needs, and segment j is member j's ids from that last shared token on, at the positions they have
/// in the member's own row. The last shared token is repeated at the head of every segment because its output
/// predicts each member's first scored token: that position is scored once per member, never shared. Under
/// `SegmentMask`'s rule every token sees exactly the tokens it sees unpacked, so the scores equal the unpacked
/// ones up to float rounding. Members that share no token, or a group of one, are a row of their own (the
/// unpacked row). Rows are right-padded with `padId` (position 0, a segment id of their own, never scored).
public struct SharedPrefixBatch: Equatable {
    /// Input ids, (rows·length).
    public var ids: [Int32]
    /// The target scored at each position (the member's next id), -100 where nothing is scored, (rows·length).
    public var targets: [Int32]
    /// For each position, the index of the sequence whose target it scores, -1 where nothing is scored.
    public var owners: [Int]
    /// Positions and segments of every token.
    public var layout: PackedRows
    /// Number of rows.
    public var rows: Int
    /// Length of every row.
    public var length: Int

    /// Segment id of padding: never 0 (the prompt) nor a member's.
    static let paddingSegment: Int32 = -1

    /// Packs `sequences` by `groups` (indices into `sequences`, every index in exactly one group).
    public init(sequences: [EncodedSequence], groups: [[Int]], padId: Int32) throws {
        let covered = groups.flatMap { $0 }.sorted()
        guard covered == Array(sequences.indices) else {
            throw AlignmentError.invalidInput("prefix groups must cover each of the \(sequences.count) sequences exactly once")
        }
        let scored = sequences.map(Self.scoredIndices)
        var packedRows: [(ids: [Int32], targets: [Int32], owners: [Int], positions: [Int32], segments: [Int32])] = []
        for group in groups where !group.isEmpty {
            let split = Self.split(group.map { sequences[$0].ids }, firstScored: group.map { scored[$0].first })
            let units = split >= 1 ? [group] : group.map { [$0] }
            for unit in units {
                let s = split >= 1 ? split : (scored[unit[0]].first ?? sequences[unit[0]].ids.count)
                packedRows.append(Self.row(unit.map { ($0, sequences[$0].ids, scored[$0]) }, split: max(s, 1)))
            }
        }
        let length = max(packedRows.map(\.ids.count).max() ?? 1, 1)
        rows = packedRows.count
        self.length = length
        ids = []; targets = []; owners = []
        var positions: [Int32] = [], segments: [Int32] = []
        for r in packedRows {
            let pad = length - r.ids.count
            ids += r.ids + [Int32](repeating: padId, count: pad)
            targets += r.targets + [Int32](repeating: -100, count: pad)
            owners += r.owners + [Int](repeating: -1, count: pad)
            positions += r.positions + [Int32](repeating: 0, count: pad)
            segments += r.segments + [Int32](repeating: Self.paddingSegment, count: pad)
        }
        layout = PackedRows(positions: positions, segments: segments)
    }

    /// The indices q ≥ 1 whose token is scored (predicted from position q − 1), ascending: the lossMask's, or
    /// `responseStart`… (as `SequenceLogProbs.batch` scores them).
    static func scoredIndices(_ s: EncodedSequence) -> [Int] {
        if let mask = s.lossMask { return (1..<max(s.ids.count, 1)).filter { mask[$0] } }
        return Array(max(s.responseStart, 1)..<max(s.ids.count, max(s.responseStart, 1)))
    }

    /// The split s of a group: members share ids[0..<s] and score nothing before index s; 0 when they share
    /// nothing. A group of one splits at its first scored index.
    static func split(_ ids: [[Int32]], firstScored: [Int?]) -> Int {
        guard ids.count > 1, let first = ids.first else { return firstScored.first.flatMap { $0 } ?? ids.first?.count ?? 0 }
        var common = first.count
        for other in ids.dropFirst() {
            var n = 0
            while n < min(common, other.count), other[n] == first[n] { n += 1 }
            common = n
        }
        return zip(ids, firstScored).reduce(common) { min($0, $1.1 ?? $1.0.count) }
    }

    /// One row: the shared ids[0..<split − 1] (segment 0), then each member's ids[split − 1...] as segment j + 1.
    private static func row(_ members: [(index: Int, ids: [Int32], scored: [Int])], split: Int)
        -> (ids: [Int32], targets: [Int32], owners: [Int], positions: [Int32], segments: [Int32]) {
        let prefix = Array(members[0].ids[0..<(split - 1)])
        var ids = prefix, positions = (0..<prefix.count).map { Int32($0) }
        var targets = [Int32](repeating: -100, count: prefix.count), owners = [Int](repeating: -1, count: prefix.count)
        var segments = [Int32](repeating: 0, count: prefix.count)
        for (j, m) in members.enumerated() {
            let scored = Set(m.scored)
            for a in (split - 1)..<m.ids.count {
                ids.append(m.ids[a])
                positions.append(Int32(a))
                segments.append(Int32(j + 1))
                let hit = scored.contains(a + 1)
                targets.append(hit ? m.ids[a + 1] : -100)
                owners.append(hit ? m.index : -1)
            }
        }
        return (ids, targets, owners, positions, segments)
    }
}
