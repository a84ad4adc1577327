import TensorCore

/// The layout of packed rows: several sequences that share a prompt laid out as [prompt, segment 1, segment 2, …]
/// in one row, so the prompt runs through the model once (prefix sharing).
///
/// Each token carries its position (a segment continues at the prompt's length, so position embeddings and RoPE
/// see what they see in the unpacked row) and its segment id (0 the shared prompt, s > 0 segment s; the attention
/// rule is `SegmentMask`'s). With these, every token's hidden state equals its hidden state in its own unpacked row.
public struct PackedRows: Equatable, Sendable {
    /// Position id of every token, (B·T).
    public var positions: [Int32]
    /// Segment id of every token, (B·T).
    public var segments: [Int32]

    /// A layout of `positions` and `segments`, one of each per token.
    public init(positions: [Int32], segments: [Int32]) {
        self.positions = positions
        self.segments = segments
    }
}

extension CausalLanguageModel {
    /// Checks ids against the model as `checkInput` does, except that a packed row may be longer than the
    /// context as long as every position fits in it; returns T.
    public func checkPackedInput(_ ids: [Int32], batch: Int, rows: PackedRows) throws -> Int {
        guard batch > 0, !ids.isEmpty, ids.count % batch == 0 else {
            throw ModelError.invalidInput("\(ids.count) ids do not split into \(batch) equal rows")
        }
        guard rows.positions.count == ids.count, rows.segments.count == ids.count else {
            throw ModelError.invalidInput("\(rows.positions.count) positions and \(rows.segments.count) segment ids for \(ids.count) input ids")
        }
        if let bad = rows.positions.first(where: { $0 < 0 || Int($0) >= contextLength }) {
            throw ModelError.invalidInput("position \(bad) is outside the context of \(contextLength)")
        }
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= vocabularySize }) {
            throw ModelError.invalidInput("token id \(bad) is outside the vocabulary of \(vocabularySize)")
        }
        return ids.count / batch
    }
}
