/// GPT-2's pre-tokenisation, the split HF's `ByteLevel` pre-tokenizer does with the regex
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, written as a scanner over the
/// UTF-8 bytes so that no regex engine or String is involved. Bytes that are not valid UTF-8 count as one
/// "other symbol" each, so every byte sequence splits into pieces that cover it exactly.
enum GPT2PreTokenizer {
    /// Character classes of the regex: `\p{L}`, `\p{N}`, `\s` and everything else.
    enum Class: UInt8 { case letter = 0, number = 1, space = 2, other = 3 }

    /// Classes of all BMP scalars, computed once (about 65k property look-ups) so the scanner never asks
    /// Unicode tables in its loop; surrogate code points are never decoded, so their entries are unused.
    static let bmpClasses: [UInt8] = {
        var table = [UInt8](repeating: Class.other.rawValue, count: 0x10000)
        for v in 0..<0x10000 {
            if let s = Unicode.Scalar(UInt32(v)) { table[v] = classify(s).rawValue }
        }
        return table
    }()

    /// The newest Unicode version (major) whose letters and digits HF's regex engine (Oniguruma) knows. Swift's
    /// tables are newer (17.0); scalars assigned later are unassigned, hence "other", to Oniguruma, so they are
    /// treated as such here too (checked against HF for every code point by a fixture).
    static let regexUnicodeMajorVersion = 16

    /// The regex class of one scalar. `\s` in Oniguruma's Unicode mode is the White_Space property.
    static func classify(_ s: Unicode.Scalar) -> Class {
        let p = s.properties
        if let age = p.age, age.major > regexUnicodeMajorVersion { return .other }
        if p.isWhitespace { return .space }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    /// Class and UTF-8 length of the scalar starting at `i`; an invalid or truncated sequence is one `.other` byte.
    @inline(__always)
    static func scalar(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int, _ table: UnsafePointer<UInt8>) -> (UInt8, Int) {
        let b0 = UInt32(p[i])
        if b0 < 0x80 { return (table[Int(b0)], 1) }
        let other = Class.other.rawValue
        @inline(__always) func cont(_ k: Int) -> UInt32? {
            guard k < end else { return nil }
            let b = UInt32(p[k])
            return b & 0xC0 == 0x80 ? b & 0x3F : nil
        }
        if b0 >= 0xC2 && b0 <= 0xDF {
            guard let c1 = cont(i + 1) else { return (other, 1) }
            return (table[Int((b0 & 0x1F) << 6 | c1)], 2)
        }
        if b0 >= 0xE0 && b0 <= 0xEF {
            guard let c1 = cont(i + 1), let c2 = cont(i + 2) else { return (other, 1) }
            let v = (b0 & 0x0F) << 12 | c1 << 6 | c2
            if v < 0x800 || (v >= 0xD800 && v <= 0xDFFF) { return (other, 1) }
            return (table[Int(v)], 3)
        }
        if b0 >= 0xF0 && b0 <= 0xF4 {
            guard let c1 = cont(i + 1), let c2 = cont(i + 2), let c3 = cont(i + 3) else { return (other, 1) }
            let v = (b0 & 0x07) << 18 | c1 << 12 | c2 << 6 | c3
            if v < 0x10000 || v > 0x10FFFF { return (other, 1) }
            return (classify(Unicode.Scalar(v)!).rawValue, 4)
        }
        return (other, 1)
    }

    /// Length of a contraction (`'s 't 're 've 'm 'll 'd`, lower case only, as in GPT-2) starting at `i`, or 0.
    @inline(__always)
    static func contractionLength(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        guard i + 1 < end else { return 0 }
        switch p[i + 1] {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"): return 2
        case UInt8(ascii: "r"), UInt8(ascii: "v"):
            return i + 2 < end && p[i + 2] == UInt8(ascii: "e") ? 3 : 0
        case UInt8(ascii: "l"):
            return i + 2 < end && p[i + 2] == UInt8(ascii: "l") ? 3 : 0
        default: return 0
        }
    }

    /// Calls `body(start, end)` for each piece of `p[from..<to]`, in order; the pieces tile the range.
    @inline(__always)
    static func forEachPiece(_ p: UnsafePointer<UInt8>, from: Int, to end: Int, _ body: (Int, Int) -> Void) {
        bmpClasses.withUnsafeBufferPointer { tb in
            let table = tb.baseAddress!
            let space = Class.space.rawValue
            var i = from
            while i < end {
                let b = p[i]
                if b == UInt8(ascii: "'") {
                    let n = contractionLength(p, i, end)
                    if n > 0 { body(i, i + n); i += n; continue }
                }
                var (cls, n) = scalar(p, i, end, table)
                var runStart = i
                if b == 0x20 && i + 1 < end {
                    // " ?\p{L}+", " ?\p{N}+" and " ?[^\s\p{L}\p{N}]+": a single space joins the run after it.
                    let (next, nextLen) = scalar(p, i + 1, end, table)
                    if next != space { cls = next; runStart = i + 1; n = nextLen }
                }
                if cls != space {
                    var j = runStart + n
                    while j < end {
                        let (c, m) = scalar(p, j, end, table)
                        if c != cls { break }
                        j += m
                    }
                    body(i, j)
                    i = j
                    continue
                }
                // "\s+(?!\S)|\s+": a whitespace run, minus its last scalar when a non-space follows it and the
                // run is longer than one scalar (that last scalar then starts the next piece).
                var j = i + n, last = i, count = 1
                while j < end {
                    let (c, m) = scalar(p, j, end, table)
                    if c != space { break }
                    last = j; j += m; count += 1
                }
                let stop = (j == end || count == 1) ? j : last
                body(i, stop)
                i = stop
            }
        }
    }
}
