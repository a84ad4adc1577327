/// A token matched verbatim in the input before pre-tokenisation (HF's "added tokens"), such as `<|endoftext|>`.
/// Written in the text, it always becomes this one id.
public struct AddedToken: Equatable, Sendable {
    /// The id it encodes to.
    public var id: Int
    /// The text that is matched.
    public var content: String
    /// Special tokens can be left out when decoding (`skipSpecialTokens`).
    public var special: Bool
    /// Whether whitespace to the left of a match is swallowed into it.
    public var lstrip: Bool
    /// Whether whitespace to the right of a match is swallowed into it.
    public var rstrip: Bool
    /// Whether the token only matches when no letter or digit touches it on either side.
    public var singleWord: Bool
    /// Whether the token is matched in the normalised text (HFTokenizer) rather than the raw input; BPETokenizer
    /// has no normalizer, so there it only round-trips.
    public var normalized: Bool

    /// A token with HF's defaults for special tokens (no stripping, not normalised).
    public init(id: Int, content: String, special: Bool = true, lstrip: Bool = false, rstrip: Bool = false,
                singleWord: Bool = false, normalized: Bool = false) {
        self.id = id; self.content = content; self.special = special
        self.lstrip = lstrip; self.rstrip = rstrip; self.singleWord = singleWord; self.normalized = normalized
    }
}

/// Finds added tokens in raw bytes, leftmost first and longest at a position (HF matches them the same way).
struct AddedTokenMatcher {
    private let tokens: [AddedToken]
    private let contents: [[UInt8]]
    /// Token indices whose content starts with each byte, longest content first.
    private let byFirstByte: [[Int]]

    init(_ tokens: [AddedToken]) {
        self.tokens = tokens
        let bytes = tokens.map { Array($0.content.utf8) }
        var table = [[Int]](repeating: [], count: 256)
        for (i, c) in bytes.enumerated() where !c.isEmpty { table[Int(c[0])].append(i) }
        contents = bytes
        byFirstByte = table.map { list in list.sorted { bytes[$0].count > bytes[$1].count } }
    }

    var isEmpty: Bool { tokens.isEmpty }

    /// Calls `text(start, end)` for each stretch of ordinary text and `token(id)` for each match, in order.
    func split(_ p: UnsafePointer<UInt8>, count n: Int, text: (Int, Int) -> Void, token: (Int) -> Void) {
        var segmentStart = 0, i = 0
        while i < n {
            guard let (t, end) = match(p, at: i, count: n) else { i += 1; continue }
            var start = i, stop = end
            if tokens[t].lstrip { while start > segmentStart, let s = Self.whitespaceBefore(p, start) { start = s } }
            if tokens[t].rstrip { while stop < n, let s = Self.whitespaceAfter(p, stop, n) { stop = s } }
            if start > segmentStart { text(segmentStart, start) }
            token(tokens[t].id)
            segmentStart = stop
            i = stop
        }
        if segmentStart < n { text(segmentStart, n) }
    }

    private func match(_ p: UnsafePointer<UInt8>, at i: Int, count n: Int) -> (Int, Int)? {
        for t in byFirstByte[Int(p[i])] {
            let c = contents[t]
            guard i + c.count <= n else { continue }
            var k = 1
            while k < c.count && p[i + k] == c[k] { k += 1 }
            guard k == c.count else { continue }
            if tokens[t].singleWord && (Self.wordScalarBefore(p, i) || Self.wordScalarAt(p, i + c.count, n)) { continue }
            return (t, i + c.count)
        }
        return nil
    }

    /// Start of the scalar ending at `i` (stepping back over UTF-8 continuation bytes).
    private static func scalarStart(before i: Int, _ p: UnsafePointer<UInt8>) -> Int {
        var s = i - 1
        while s > 0 && p[s] & 0xC0 == 0x80 && i - s < 4 { s -= 1 }
        return s
    }

    private static func classBefore(_ p: UnsafePointer<UInt8>, _ i: Int) -> GPT2PreTokenizer.Class? {
        guard i > 0 else { return nil }
        let s = scalarStart(before: i, p)
        let (c, len) = GPT2PreTokenizer.bmpClasses.withUnsafeBufferPointer { GPT2PreTokenizer.scalar(p, s, i, $0.baseAddress!) }
        return s + len == i ? GPT2PreTokenizer.Class(rawValue: c) : .other
    }

    private static func whitespaceBefore(_ p: UnsafePointer<UInt8>, _ i: Int) -> Int? {
        classBefore(p, i) == .space ? scalarStart(before: i, p) : nil
    }

    private static func whitespaceAfter(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int? {
        let (c, len) = GPT2PreTokenizer.bmpClasses.withUnsafeBufferPointer { GPT2PreTokenizer.scalar(p, i, n, $0.baseAddress!) }
        return c == GPT2PreTokenizer.Class.space.rawValue ? i + len : nil
    }

    private static func wordScalarBefore(_ p: UnsafePointer<UInt8>, _ i: Int) -> Bool {
        let c = classBefore(p, i)
        return c == .letter || c == .number
    }

    private static func wordScalarAt(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Bool {
        guard i < n else { return false }
        let (c, _) = GPT2PreTokenizer.bmpClasses.withUnsafeBufferPointer { GPT2PreTokenizer.scalar(p, i, n, $0.baseAddress!) }
        return c <= GPT2PreTokenizer.Class.number.rawValue
    }
}
