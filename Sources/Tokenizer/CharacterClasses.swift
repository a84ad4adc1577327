/// Per-scalar character properties the pipeline stages test (the Rust `char` predicates HF's stages use), looked
/// up in a table for the BMP so that scanning never asks the Unicode tables in its loop.
enum CharacterClasses {
    /// `char::is_whitespace` (the White_Space property).
    static let whitespace: UInt8 = 1
    /// `char::is_numeric` (general categories Nd, Nl, No).
    static let numeric: UInt8 = 2
    /// `char::is_ascii_punctuation` or a Unicode punctuation category (Pc, Pd, Ps, Pe, Pi, Pf, Po).
    static let punctuation: UInt8 = 4
    /// Oniguruma's `\w`: a letter, mark, number or connector punctuation.
    static let word: UInt8 = 8
    /// A combining mark (Mn), what StripAccents removes.
    static let nonspacingMark: UInt8 = 16

    static let bmp: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 0x10000)
        for v in 0..<0x10000 { if let s = Unicode.Scalar(UInt32(v)) { table[v] = compute(s) } }
        return table
    }()

    static func compute(_ s: Unicode.Scalar) -> UInt8 {
        let p = s.properties
        var f: UInt8 = 0
        if p.isWhitespace { f |= whitespace }
        switch p.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: f |= numeric | word
        case .connectorPunctuation: f |= punctuation | word
        case .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation, .finalPunctuation,
             .otherPunctuation: f |= punctuation
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: f |= word
        case .nonspacingMark: f |= word | nonspacingMark
        case .spacingMark, .enclosingMark: f |= word
        default: break
        }
        if s.isASCII && (0x21...0x2F).contains(s.value) || (0x3A...0x40).contains(s.value)
            || (0x5B...0x60).contains(s.value) || (0x7B...0x7E).contains(s.value) {
            f |= punctuation
        }
        return f
    }

    /// Flags of the scalar with value `v`.
    @inline(__always)
    static func flags(_ v: UInt32, _ table: UnsafePointer<UInt8>) -> UInt8 {
        v < 0x10000 ? table[Int(v)] : compute(Unicode.Scalar(v) ?? "\u{FFFD}")
    }
}

/// The scalar value and UTF-8 length at `i` of valid UTF-8 (the pipeline only holds text that came from Strings).
@inline(__always)
func decodeScalar(_ p: UnsafePointer<UInt8>, _ i: Int) -> (UInt32, Int) {
    let b0 = UInt32(p[i])
    if b0 < 0x80 { return (b0, 1) }
    if b0 < 0xE0 { return ((b0 & 0x1F) << 6 | UInt32(p[i + 1] & 0x3F), 2) }
    if b0 < 0xF0 { return ((b0 & 0x0F) << 12 | UInt32(p[i + 1] & 0x3F) << 6 | UInt32(p[i + 2] & 0x3F), 3) }
    return ((b0 & 0x07) << 18 | UInt32(p[i + 1] & 0x3F) << 12 | UInt32(p[i + 2] & 0x3F) << 6 | UInt32(p[i + 3] & 0x3F), 4)
}
