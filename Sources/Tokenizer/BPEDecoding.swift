/// Ids -> text: each id's bytes (byte-level tokens mapped back through GPT-2's byte map, added tokens as their
/// UTF-8 content) are concatenated, then read as UTF-8.
extension BPETokenizer {
    /// The bytes `ids` stand for; throws on an id that is not in the vocabulary.
    public func decodeBytes(_ ids: [Int], skipSpecialTokens: Bool = false) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(ids.count * 4)
        for id in ids {
            guard id >= 0 && id < bytesForId.count, let bytes = bytesForId[id] else { throw TokenizerError.unknownId(id) }
            if skipSpecialTokens && specialIds.contains(id) { continue }
            out.append(contentsOf: bytes)
        }
        return out
    }

    /// The text `ids` stand for; invalid UTF-8 (ids cut mid-character) becomes U+FFFD, as in HF.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) throws -> String {
        String(decoding: try decodeBytes(ids, skipSpecialTokens: skipSpecialTokens), as: UTF8.self)
    }
}
