import Foundation

/// Pre-tokens: pieces of UTF-8 text stored back to back in one buffer. `atOrigin` marks a piece that starts at
/// offset 0 of the original input (what Metaspace's prepend_scheme "first" asks).
struct Pieces {
    var bytes: [UInt8] = []
    var starts: [Int] = []
    var ends: [Int] = []
    var atOrigin: [Bool] = []

    var count: Int { starts.count }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true); starts.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true); atOrigin.removeAll(keepingCapacity: true)
    }

    /// Appends a non-empty piece (empty ones are dropped, as HF drops them).
    @inline(__always)
    mutating func append(_ p: UnsafePointer<UInt8>, _ n: Int, atOrigin origin: Bool) {
        guard n > 0 else { return }
        starts.append(bytes.count)
        bytes.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        ends.append(bytes.count)
        atOrigin.append(origin)
    }

    /// Calls `body(pointer, count, atOrigin)` for each piece.
    func forEach(_ body: (UnsafePointer<UInt8>, Int, Bool) -> Void) {
        bytes.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return }
            for k in 0..<starts.count { body(base + starts[k], ends[k] - starts[k], atOrigin[k]) }
        }
    }
}

/// A `tokenizer.json` pre-tokenizer: cuts each piece into smaller pieces (and may rewrite them).
protocol PreTokenizer: Sendable {
    /// Appends the pieces of `p[0..<n]` to `out`; `atOrigin` says whether the piece starts the original input.
    func split(_ p: UnsafePointer<UInt8>, _ n: Int, atOrigin: Bool, into out: inout Pieces)
    /// Calls `body(pointer, count, atOrigin)` for each piece of `p[0..<n]` in order. Stages that only cut (no
    /// rewriting) hand out pointers into `p` itself, so a chain of them copies nothing; the default goes through
    /// `split`.
    func forEachPiece(_ p: UnsafePointer<UInt8>, _ n: Int, atOrigin: Bool, _ body: (UnsafePointer<UInt8>, Int, Bool) -> Void)
}

extension PreTokenizer {
    func forEachPiece(_ p: UnsafePointer<UInt8>, _ n: Int, atOrigin: Bool, _ body: (UnsafePointer<UInt8>, Int, Bool) -> Void) {
        var pieces = Pieces()
        split(p, n, atOrigin: atOrigin, into: &pieces)
        pieces.forEach(body)
    }
}

/// HF's `SplitDelimiterBehavior`: what happens to the matches of a split pattern.
enum SplitBehavior: String {
    case removed = "Removed", isolated = "Isolated", mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext", contiguous = "Contiguous"

    /// Emits the pieces of `p[0..<n]` for the given (start, end, isMatch) segments, which tile it; only the first
    /// piece can be at the origin.
    func emit(_ segments: [(Int, Int, Bool)], _ p: UnsafePointer<UInt8>, atOrigin: Bool, into out: inout Pieces) {
        var merged: [(Int, Int, Bool)] = []
        merged.reserveCapacity(segments.count)
        switch self {
        case .removed, .isolated:
            merged = segments
        case .mergedWithPrevious:
            var previousMatch = false
            for s in segments {
                if s.2 && !previousMatch, !merged.isEmpty { merged[merged.count - 1].1 = s.1 } else { merged.append((s.0, s.1, false)) }
                previousMatch = s.2
            }
        case .mergedWithNext:
            var previousMatch = false
            for s in segments.reversed() {
                if s.2 && !previousMatch, !merged.isEmpty { merged[merged.count - 1].0 = s.0 } else { merged.append((s.0, s.1, false)) }
                previousMatch = s.2
            }
            merged.reverse()
        case .contiguous:
            var previousMatch = false
            for s in segments {
                if s.2 == previousMatch, !merged.isEmpty { merged[merged.count - 1].1 = s.1 } else { merged.append((s.0, s.1, false)) }
                previousMatch = s.2
            }
        }
        var first = atOrigin
        for s in merged where !(self == .removed && s.2) && s.1 > s.0 {
            out.append(p + s.0, s.1 - s.0, atOrigin: first && s.0 == 0)
            first = false
        }
    }
}

/// The (start, end, isMatch) segments tiling `0..<n` around the given ordered matches, `isMatch` flipped by `invert`.
@inline(__always)
func tileSegments(_ n: Int, invert: Bool, _ findMatches: ((Int, Int) -> Void) -> Void) -> [(Int, Int, Bool)] {
    var segments: [(Int, Int, Bool)] = []
    var last = 0
    findMatches { s, e in
        if s > last { segments.append((last, s, invert)) }
        segments.append((s, e, !invert))
        last = e
    }
    if last < n { segments.append((last, n, invert)) }
    return segments
}

/// Cuts at the matches of a string or regex pattern (HF's Split); Llama 3 and Qwen2 use it with their regex,
/// Isolated, not inverted.
struct SplitPreTokenizer: PreTokenizer {
    let pattern: TextPattern
    let behavior: SplitBehavior
    let invert: Bool

    func split(_ p: UnsafePointer<UInt8>, _ n: Int, atOrigin: Bool, into out: inout Pieces) {
        forEachPiece(p, n, atOrigin: atOrigin) { out.append($0, $1, atOrigin: $2) }
    }

    func forEachPiece(_ p: UnsafePointer<UInt8>, _ n: Int, atOrigin: Bool, _ body: (UnsafePointer<UInt8>, Int, Bool) -> Void) {
        if behavior == .isolated && !invert {
            // These patterns match every scalar, so the matches alone tile the text.
            switch pattern {
            case .gpt2, .llama3Style:
                pattern.forEachMatch(p, n) { s, e in body(p + s, e - s, atOrigin && s == 0) }
                return
            default: break
            }
        }
        var pieces = Pieces()
        behavior.emit(tileSegments(n, invert: invert) { pattern.forEachMatch(p, n, $0) }, p, atOrigin: atOrigin, into: &pieces)
        pieces.forEach(body)
    }
}

/// Cuts at every scalar whose CharacterClasses flags include `flag`, each such scalar a match of its own (HF's
/// split on a `char` predicate): Digits, Punctuation and WhitespaceSplit.
struct CharacterSplitPreTokenizer: PreTokenizer {
    let flag: UInt8
    let behavior: SplitBehavior

    func forEachPiece(_ p: UnsafePointer<UInt8>, _ n: Int, atOrigin: Bool, _ body: (UnsafePointer<UInt8>, Int, Bool) -> Void) {
        guard behavior == .isolated || behavior == .removed || behavior == .contiguous else {
            var pieces = Pieces()
            split(p, n, atOrigin: atOrigin, into: &pieces)
            return pieces.forEach(body)
        }
        // Runs of non-matching scalars are pieces; matching ones are pieces of one scalar (Isolated), dropped
        // (Removed) or runs too (Contiguous).
        CharacterClasses.bmp.withUnsafeBufferPointer { tb in
            var runStart = 0, runMatches = false, i = 0
            @inline(__always) func flush(_ end: Int) {
                if end > runStart && !(runMatches && behavior == .removed) { body(p + runStart, end - runStart, atOrigin && runStart == 0) }
                runStart = end
            }
            while i < n {
                let (v, m) = decodeScalar(p, i)
                let matches = CharacterClasses.flags(v, tb.baseAddress!) & flag != 0
                if matches != runMatches || (matches && behavior != .contiguous) {
                    flush(i)
                    runMatches = matches
                }
                i += m
            }
            flush(n)
        }
    }

    func split(_ p: UnsafePointer<UInt8>, _ n: Int, atOrigin: Bool, into out: inout Pieces) {
        let segments = CharacterClasses.bmp.withUnsafeBufferPointer { tb in
            tileSegments(n, invert: false) { match in
                var i = 0
                while i < n {
                    let (v, m) = decodeScalar(p, i)
                    if CharacterClasses.flags(v, tb.baseAddress!) & flag != 0 { match(i, i + m) }
                    i += m
                }
            }
        }
        behavior.emit(segments, p, atOrigin: atOrigin, into: &out)
    }
}

/// HF's Whitespace pre-tokenizer: keeps the matches of `\w+|[^\w\s]+` (runs of word scalars, runs of other
/// non-space scalars) and drops whitespace.
struct WhitespacePreTokenizer: PreTokenizer {
    func split(_ p: UnsafePointer<UInt8>, _ n: Int, atOrigin: Bool, into out: inout Pieces) {
        CharacterClasses.bmp.withUnsafeBufferPointer { tb in
            @inline(__always) func kind(_ i: Int) -> (Int, Int) {
                let (v, m) = decodeScalar(p, i)
                let f = CharacterClasses.flags(v, tb.baseAddress!)
                return (f & CharacterClasses.word != 0 ? 0 : f & CharacterClasses.whitespace != 0 ? 2 : 1, m)
            }
            var i = 0
            while i < n {
                let (k, m) = kind(i)
                var j = i + m
                if k == 2 { i = j; continue }
                while j < n {
                    let (k2, m2) = kind(j)
                    if k2 != k { break }
                    j += m2
                }
                out.append(p + i, j - i, atOrigin: atOrigin && i == 0)
                i = j
            }
        }
    }
}

/// SentencePiece's whitespace handling: spaces become `replacement` ("▁"), which is prepended to a piece per
/// `prependScheme` unless the piece already starts with it; with `split`, the piece is cut before each "▁".
struct MetaspacePreTokenizer: PreTokenizer {
    enum PrependScheme: String { case always, first, never }
    let replacement: [UInt8]
    let prependScheme: PrependScheme
    let splitOnReplacement: Bool

    func split(_ p: UnsafePointer<UInt8>, _ n: Int, atOrigin: Bool, into out: inout Pieces) {
        var text: [UInt8] = []
        text.reserveCapacity(n + replacement.count * 4)
        let startsWithReplacement = n >= replacement.count && memcmp(p, replacement, replacement.count) == 0
            || (p[0] == 0x20 && !replacement.isEmpty)
        if !startsWithReplacement && (prependScheme == .always || (prependScheme == .first && atOrigin)) {
            text.append(contentsOf: replacement)
        }
        for k in 0..<n { if p[k] == 0x20 { text.append(contentsOf: replacement) } else { text.append(p[k]) } }
        text.withUnsafeBufferPointer { b in
            let q = b.baseAddress!
            if !splitOnReplacement || replacement.isEmpty { out.append(q, b.count, atOrigin: atOrigin); return }
            let segments = tileSegments(b.count, invert: false) { TextPattern.literal(replacement).forEachMatch(q, b.count, $0) }
            SplitBehavior.mergedWithNext.emit(segments, q, atOrigin: atOrigin, into: &out)
        }
    }
}

/// GPT-2's byte-level step: an optional prefix space, GPT-2's regex split, then each byte written as its
/// printable stand-in (ByteLevel.scalarForByte). When it is the last pre-tokenizer the mapping is left to the model
/// (`mapBytes` false), which then reads raw bytes: the same ids, without building the mapped strings.
struct ByteLevelPreTokenizer: PreTokenizer {
    let addPrefixSpace: Bool
    let useRegex: Bool
    var mapBytes = true

    static let mappedUTF8: [[UInt8]] = ByteLevel.scalarForByte.map { Array(String(Character($0)).utf8) }

    func forEachPiece(_ p: UnsafePointer<UInt8>, _ n: Int, atOrigin: Bool, _ body: (UnsafePointer<UInt8>, Int, Bool) -> Void) {
        guard !mapBytes, !(addPrefixSpace && p[0] != 0x20) else {
            var pieces = Pieces()
            split(p, n, atOrigin: atOrigin, into: &pieces)
            return pieces.forEach(body)
        }
        if useRegex { GPT2PreTokenizer.forEachPiece(p, from: 0, to: n) { body(p + $0, $1 - $0, atOrigin && $0 == 0) } } else { body(p, n, atOrigin) }
    }

    func split(_ p: UnsafePointer<UInt8>, _ n: Int, atOrigin: Bool, into out: inout Pieces) {
        if addPrefixSpace && p[0] != 0x20 {
            var prefixed = [UInt8](repeating: 0x20, count: n + 1)
            prefixed.withUnsafeMutableBufferPointer { $0.baseAddress!.advanced(by: 1).update(from: p, count: n) }
            prefixed.withUnsafeBufferPointer { splitPrefixed($0.baseAddress!, n + 1, atOrigin: atOrigin, into: &out) }
        } else {
            splitPrefixed(p, n, atOrigin: atOrigin, into: &out)
        }
    }

    private func splitPrefixed(_ p: UnsafePointer<UInt8>, _ n: Int, atOrigin: Bool, into out: inout Pieces) {
        var first = atOrigin
        func emit(_ s: Int, _ e: Int) {
            if mapBytes {
                var mapped: [UInt8] = []
                for k in s..<e { mapped.append(contentsOf: Self.mappedUTF8[Int(p[k])]) }
                mapped.withUnsafeBufferPointer { out.append($0.baseAddress!, $0.count, atOrigin: first && s == 0) }
            } else {
                out.append(p + s, e - s, atOrigin: first && s == 0)
            }
            first = false
        }
        if useRegex { GPT2PreTokenizer.forEachPiece(p, from: 0, to: n) { emit($0, $1) } } else { emit(0, n) }
    }
}

/// Pre-tokenizers applied in order, each to every piece the previous one made.
struct SequencePreTokenizer: PreTokenizer {
    let stages: [PreTokenizer]

    func forEachPiece(_ p: UnsafePointer<UInt8>, _ n: Int, atOrigin: Bool, _ body: (UnsafePointer<UInt8>, Int, Bool) -> Void) {
        forEach(from: 0, p, n, atOrigin, body)
    }

    private func forEach(from k: Int, _ p: UnsafePointer<UInt8>, _ n: Int, _ atOrigin: Bool,
                         _ body: (UnsafePointer<UInt8>, Int, Bool) -> Void) {
        if k == stages.count { return body(p, n, atOrigin) }
        stages[k].forEachPiece(p, n, atOrigin: atOrigin) { q, m, o in forEach(from: k + 1, q, m, o, body) }
    }

    func split(_ p: UnsafePointer<UInt8>, _ n: Int, atOrigin: Bool, into out: inout Pieces) {
        var current = Pieces()
        current.append(p, n, atOrigin: atOrigin)
        for (k, stage) in stages.enumerated() {
            if k == stages.count - 1 {
                current.forEach { stage.split($0, $1, atOrigin: $2, into: &out) }
                return
            }
            var next = Pieces()
            current.forEach { stage.split($0, $1, atOrigin: $2, into: &next) }
            current = next
        }
        current.forEach { out.append($0, $1, atOrigin: $2) }
    }
}

extension JSONNode {
    /// The pre-tokenizer this JSON object describes; throws naming the field for an unknown type or a bad member.
    func preTokenizer() throws -> PreTokenizer {
        let type = try componentType()
        func behavior(_ d: SplitBehavior) throws -> SplitBehavior {
            guard let node = try optional("behavior") else { return d }
            let name = try node.string()
            guard let b = SplitBehavior(rawValue: name) else { throw node.fail("is \(JSONText.quote(name)), not a split behavior") }
            return b
        }
        switch type {
        case "ByteLevel":
            return ByteLevelPreTokenizer(addPrefixSpace: try bool("add_prefix_space", default: true),
                                         useRegex: try bool("use_regex", default: true))
        case "Split":
            return SplitPreTokenizer(pattern: try required("pattern").textPattern(), behavior: try behavior(.isolated),
                                     invert: try bool("invert", default: false))
        case "Digits":
            return CharacterSplitPreTokenizer(flag: CharacterClasses.numeric,
                                              behavior: try bool("individual_digits", default: false) ? .isolated : .contiguous)
        case "Punctuation": return CharacterSplitPreTokenizer(flag: CharacterClasses.punctuation, behavior: try behavior(.isolated))
        case "WhitespaceSplit": return CharacterSplitPreTokenizer(flag: CharacterClasses.whitespace, behavior: .removed)
        case "Whitespace": return WhitespacePreTokenizer()
        case "Metaspace":
            let replacement = try string("replacement", default: "▁")
            guard replacement.unicodeScalars.count == 1 else { throw fail("has a replacement that is not one character") }
            var scheme = MetaspacePreTokenizer.PrependScheme.always
            if let node = try optional("prepend_scheme") {
                guard let s = MetaspacePreTokenizer.PrependScheme(rawValue: try node.string()) else {
                    throw node.fail("is not one of \"always\", \"first\", \"never\"")
                }
                scheme = s
            } else if try !bool("add_prefix_space", default: true) {
                scheme = .never
            }
            return MetaspacePreTokenizer(replacement: Array(replacement.utf8), prependScheme: scheme,
                                         splitOnReplacement: try bool("split", default: true))
        case "Sequence":
            return SequencePreTokenizer(stages: try required("pretokenizers").array().map { try $0.preTokenizer() })
        default: throw unsupportedType(type)
        }
    }
}
