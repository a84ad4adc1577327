import Foundation

/// A `tokenizer.json` normalizer: rewrites the UTF-8 text of one stretch between added tokens before it is
/// pre-tokenised (HF normalises each such stretch on its own).
protocol Normalizer: Sendable {
    /// `text` (valid UTF-8) rewritten; the result is valid UTF-8 too.
    func normalize(_ text: [UInt8]) -> [UInt8]
}

/// Unicode normal forms NFC, NFD, NFKC and NFKD (ASCII text is left as it is, since every form maps it to itself).
struct UnicodeNormalizer: Normalizer {
    enum Form: String { case nfc = "NFC", nfd = "NFD", nfkc = "NFKC", nfkd = "NFKD" }
    let form: Form

    func normalize(_ text: [UInt8]) -> [UInt8] {
        if !text.contains(where: { $0 >= 0x80 }) { return text }
        let s = String(decoding: text, as: UTF8.self)
        let out: String
        switch form {
        case .nfc: out = s.precomposedStringWithCanonicalMapping
        case .nfd: out = s.decomposedStringWithCanonicalMapping
        case .nfkc: out = s.precomposedStringWithCompatibilityMapping
        case .nfkd: out = s.decomposedStringWithCompatibilityMapping
        }
        return Array(out.utf8)
    }
}

/// Lower-cases each scalar on its own with its full lowercase mapping (Rust's `char::to_lowercase`, which knows no
/// context, so a final capital sigma becomes "σ", not "ς").
struct LowercaseNormalizer: Normalizer {
    func normalize(_ text: [UInt8]) -> [UInt8] {
        if !text.contains(where: { $0 >= 0x80 }) {
            return text.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        }
        var out = String.UnicodeScalarView()
        for s in String(decoding: text, as: UTF8.self).unicodeScalars {
            if s.isASCII { out.append(s.value >= 0x41 && s.value <= 0x5A ? Unicode.Scalar(s.value | 0x20)! : s); continue }
            out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
        }
        return Array(String(out).utf8)
    }
}

/// Puts a fixed string in front of non-empty text (SentencePiece's "▁" prefix in Llama 2 style files).
struct PrependNormalizer: Normalizer {
    let prefix: [UInt8]
    func normalize(_ text: [UInt8]) -> [UInt8] { text.isEmpty ? text : prefix + text }
}

/// Replaces every non-overlapping occurrence of a literal string or a regex with `content`, left to right.
struct ReplaceNormalizer: Normalizer {
    let pattern: TextPattern
    let content: [UInt8]

    func normalize(_ text: [UInt8]) -> [UInt8] {
        let matches = pattern.matches(text)
        if matches.isEmpty { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.count + matches.count * content.count)
        var last = 0
        for m in matches {
            out.append(contentsOf: text[last..<m.lowerBound])
            out.append(contentsOf: content)
            last = m.upperBound
        }
        out.append(contentsOf: text[last...])
        return out
    }
}

/// Removes whitespace (`char::is_whitespace`) from the left and/or right end.
struct StripNormalizer: Normalizer {
    let left: Bool
    let right: Bool

    func normalize(_ text: [UInt8]) -> [UInt8] {
        CharacterClasses.bmp.withUnsafeBufferPointer { tb in
            text.withUnsafeBufferPointer { b -> [UInt8] in
                guard let p = b.baseAddress, b.count > 0 else { return text }
                var start = 0, end = b.count
                if left {
                    while start < end {
                        let (v, n) = decodeScalar(p, start)
                        if CharacterClasses.flags(v, tb.baseAddress!) & CharacterClasses.whitespace == 0 { break }
                        start += n
                    }
                }
                if right {
                    // Scan forward, remembering where the trailing whitespace run begins.
                    var i = start, runStart = end
                    while i < end {
                        let (v, n) = decodeScalar(p, i)
                        if CharacterClasses.flags(v, tb.baseAddress!) & CharacterClasses.whitespace != 0 {
                            if runStart == end { runStart = i }
                        } else {
                            runStart = end
                        }
                        i += n
                    }
                    end = runStart
                }
                return Array(b[start..<end])
            }
        }
    }
}

/// Removes combining marks (Mn), as HF's StripAccents does (usually after NFD).
struct StripAccentsNormalizer: Normalizer {
    func normalize(_ text: [UInt8]) -> [UInt8] {
        if !text.contains(where: { $0 >= 0x80 }) { return text }
        var out = String.UnicodeScalarView()
        for s in String(decoding: text, as: UTF8.self).unicodeScalars where s.properties.generalCategory != .nonspacingMark {
            out.append(s)
        }
        return Array(String(out).utf8)
    }
}

/// Normalizers applied in order.
struct SequenceNormalizer: Normalizer {
    let stages: [Normalizer]
    func normalize(_ text: [UInt8]) -> [UInt8] { stages.reduce(text) { $1.normalize($0) } }
}

extension JSONNode {
    /// The normalizer this JSON object describes; throws naming the field for an unknown type or a bad member.
    func normalizer() throws -> Normalizer {
        let type = try componentType()
        switch type {
        case "NFC", "NFD", "NFKC", "NFKD": return UnicodeNormalizer(form: .init(rawValue: type)!)
        case "Lowercase": return LowercaseNormalizer()
        case "Prepend": return PrependNormalizer(prefix: Array(try required("prepend").string().utf8))
        case "Replace":
            return ReplaceNormalizer(pattern: try required("pattern").textPattern(),
                                     content: Array(try required("content").string().utf8))
        case "Strip": return StripNormalizer(left: try bool("strip_left", default: true), right: try bool("strip_right", default: true))
        case "StripAccents": return StripAccentsNormalizer()
        case "Sequence": return SequenceNormalizer(stages: try required("normalizers").array().map { try $0.normalizer() })
        default: throw unsupportedType(type)
        }
    }
}
