import Foundation

/// The pattern of a Split pre-tokenizer or a Replace normalizer/decoder: `{"String": "..."}` or `{"Regex": "..."}`.
/// The regexes of GPT-2, Llama 3 and Qwen2 are recognised and run as hand-written scanners over UTF-8 (the same
/// matches, much faster); any other regex goes to NSRegularExpression.
enum TextPattern: @unchecked Sendable {
    case literal([UInt8])
    case gpt2
    /// Llama 3's pattern (`maxDigits` 3) or Qwen2's (`maxDigits` 1).
    case llama3Style(maxDigits: Int)
    case regex(NSRegularExpression)

    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// A regex pattern: a known one becomes its scanner, another one is compiled (throwing a message naming it).
    static func regex(_ pattern: String) throws -> TextPattern {
        switch pattern {
        case gpt2Pattern: return .gpt2
        case llama3Pattern: return .llama3Style(maxDigits: 3)
        case qwen2Pattern: return .llama3Style(maxDigits: 1)
        default:
            do {
                return .regex(try NSRegularExpression(pattern: pattern))
            } catch {
                throw TokenizerError.invalidArgument("regex \(JSONText.quote(pattern)) does not compile")
            }
        }
    }

    /// Calls `body(start, end)` for each non-empty match in `p[0..<n]`, left to right, non-overlapping.
    func forEachMatch(_ p: UnsafePointer<UInt8>, _ n: Int, _ body: (Int, Int) -> Void) {
        switch self {
        case .literal(let lit):
            guard !lit.isEmpty, n >= lit.count else { return }
            lit.withUnsafeBufferPointer { l in
                let q = l.baseAddress!, k = l.count
                var i = 0
                while i + k <= n {
                    if p[i] == q[0] && (k == 1 || memcmp(p + i + 1, q + 1, k - 1) == 0) {
                        body(i, i + k)
                        i += k
                    } else {
                        i += 1
                    }
                }
            }
        case .gpt2:
            GPT2PreTokenizer.forEachPiece(p, from: 0, to: n, body)
        case .llama3Style(let maxDigits):
            Llama3Scanner.forEachPiece(p, n, maxDigits: maxDigits, body)
        case .regex(let re):
            let s = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
            let utf16 = Array(s.utf16)
            let found = re.matches(in: s, range: NSRange(location: 0, length: utf16.count))
            if found.isEmpty { return }
            // UTF-16 offset -> UTF-8 offset, for the offsets the matches use.
            var utf8At = [Int](repeating: 0, count: utf16.count + 1)
            var u8 = 0, k = 0
            while k < utf16.count {
                utf8At[k] = u8
                let unit = utf16[k]
                if unit < 0x80 { u8 += 1; k += 1 } else if unit < 0x800 { u8 += 2; k += 1 }
                else if unit >= 0xD800 && unit < 0xDC00 { utf8At[k + 1] = u8; u8 += 4; k += 2 } else { u8 += 3; k += 1 }
            }
            utf8At[utf16.count] = u8
            for m in found where m.range.length > 0 {
                body(utf8At[m.range.location], utf8At[m.range.location + m.range.length])
            }
        }
    }

    /// The non-empty matches in `text`.
    func matches(_ text: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        text.withUnsafeBufferPointer { b in
            guard let p = b.baseAddress, b.count > 0 else { return }
            forEachMatch(p, b.count) { out.append($0..<$1) }
        }
        return out
    }
}

extension JSONNode {
    /// A `{"String": …}` or `{"Regex": …}` pattern.
    func textPattern() throws -> TextPattern {
        if let s = try optional("String") { return .literal(Array(try s.string().utf8)) }
        if let r = try optional("Regex") {
            let pattern = try r.string()
            do {
                return try TextPattern.regex(pattern)
            } catch {
                throw TokenizerError.malformed(path: file, field: r.field, reason: "regex \(JSONText.quote(pattern)) does not compile")
            }
        }
        throw fail("needs a \"String\" or \"Regex\" member")
    }
}

/// The split of Llama 3's and Qwen2's pre-tokenizer regex, as a scanner:
/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
/// (Qwen2: `\p{N}` alone). Alternatives are tried in order at each position, as Oniguruma does; the classes are
/// the ones GPT2PreTokenizer derives for Oniguruma (letters, numbers, White_Space, other).
enum Llama3Scanner {
    static func forEachPiece(_ p: UnsafePointer<UInt8>, _ end: Int, maxDigits: Int, _ body: (Int, Int) -> Void) {
        GPT2PreTokenizer.bmpClasses.withUnsafeBufferPointer { tb in
            let table = tb.baseAddress!
            let letter = GPT2PreTokenizer.Class.letter.rawValue, number = GPT2PreTokenizer.Class.number.rawValue
            let space = GPT2PreTokenizer.Class.space.rawValue, other = GPT2PreTokenizer.Class.other.rawValue
            @inline(__always) func cls(_ i: Int) -> (UInt8, Int) { GPT2PreTokenizer.scalar(p, i, end, table) }
            @inline(__always) func run(of c: UInt8, from start: Int) -> Int {
                var j = start
                while j < end {
                    let (k, m) = cls(j)
                    if k != c { break }
                    j += m
                }
                return j
            }
            var i = 0
            while i < end {
                let b = p[i]
                if b == UInt8(ascii: "'") {
                    let n = contractionLength(p, i, end)
                    if n > 0 { body(i, i + n); i += n; continue }
                }
                let (c, len) = cls(i)
                if c == letter {
                    let j = run(of: letter, from: i + len)
                    body(i, j); i = j; continue
                }
                let isNewline = b == 0x0A || b == 0x0D
                if c != number && !isNewline && i + len < end && cls(i + len).0 == letter {
                    let j = run(of: letter, from: i + len)
                    body(i, j); i = j; continue
                }
                if c == number {
                    var j = i + len, count = 1
                    while j < end && count < maxDigits {
                        let (k, m) = cls(j)
                        if k != number { break }
                        j += m; count += 1
                    }
                    body(i, j); i = j; continue
                }
                if c == other || (b == 0x20 && i + 1 < end && cls(i + 1).0 == other) {
                    var j = run(of: other, from: c == other ? i + len : i + 1)
                    while j < end && (p[j] == 0x0A || p[j] == 0x0D) { j += 1 }
                    body(i, j); i = j; continue
                }
                // Whitespace: `\s*[\r\n]+` ends after the run's last CR/LF; else `\s+(?!\S)` leaves the last scalar
                // to the next piece when a non-space follows; else `\s+`.
                var j = i, last = i, count = 0, lastNewline = -1
                while j < end {
                    let (k, m) = cls(j)
                    if k != space { break }
                    if p[j] == 0x0A || p[j] == 0x0D { lastNewline = j }
                    last = j; j += m; count += 1
                }
                let stop: Int
                if lastNewline >= 0 { stop = lastNewline + 1 } else if j == end || count == 1 { stop = j } else { stop = last }
                body(i, stop)
                i = stop
            }
        }
    }

    /// Length of `'s 't 're 've 'm 'll 'd` in any letter case at `i`, or 0. Oniguruma's case folding also takes
    /// "ſ" (U+017F, long s) for "s".
    @inline(__always)
    static func contractionLength(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        guard i + 1 < end else { return 0 }
        if p[i + 1] == 0xC5 && i + 2 < end && p[i + 2] == 0xBF { return 3 }
        @inline(__always) func lower(_ k: Int) -> UInt8 { k < end ? p[k] | 0x20 : 0 }
        switch lower(i + 1) {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"): return 2
        case UInt8(ascii: "r"), UInt8(ascii: "v"): return lower(i + 2) == UInt8(ascii: "e") ? 3 : 0
        case UInt8(ascii: "l"): return lower(i + 2) == UInt8(ascii: "l") ? 3 : 0
        default: return 0
        }
    }
}
