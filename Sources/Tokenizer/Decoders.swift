import Foundation

/// A `tokenizer.json` decoder: turns the list of token strings into a new list (HF's `decode_chain`); the
/// decoded text is the final list joined without separator.
protocol Decoder: Sendable {
    func decodeChain(_ tokens: [String]) -> [String]
}

/// Byte-level tokens back to text: every token whose scalars are all byte stand-ins becomes those bytes, any other
/// token its own UTF-8; the bytes of all tokens are then read as UTF-8 (invalid sequences become U+FFFD).
struct ByteLevelDecoder: Decoder {
    func decodeChain(_ tokens: [String]) -> [String] {
        var bytes: [UInt8] = []
        for t in tokens { bytes.append(contentsOf: ByteLevel.bytes(for: t) ?? Array(t.utf8)) }
        return [String(decoding: bytes, as: UTF8.self)]
    }
}

/// Runs of `<0xXX>` tokens become the text of their bytes; a run that is not valid UTF-8 becomes one U+FFFD per byte.
struct ByteFallbackDecoder: Decoder {
    static func byteValue(_ token: String) -> UInt8? {
        let u = Array(token.utf8)
        guard u.count == 6, u[0] == UInt8(ascii: "<"), u[1] == UInt8(ascii: "0"), u[2] == UInt8(ascii: "x"),
              u[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: u[3..<5], as: UTF8.self), radix: 16)
    }

    func decodeChain(_ tokens: [String]) -> [String] {
        var out: [String] = []
        var pending: [UInt8] = []
        func flush() {
            guard !pending.isEmpty else { return }
            if let s = String(validating: pending, as: UTF8.self) { out.append(s) } else {
                out.append(contentsOf: repeatElement("\u{FFFD}", count: pending.count))
            }
            pending.removeAll()
        }
        for t in tokens {
            if let b = Self.byteValue(t) { pending.append(b); continue }
            flush()
            out.append(t)
        }
        flush()
        return out
    }
}

/// Joins all tokens into one.
struct FuseDecoder: Decoder {
    func decodeChain(_ tokens: [String]) -> [String] { [tokens.joined()] }
}

/// Removes up to `start` leading and `stop` trailing occurrences of one character from every token.
struct StripDecoder: Decoder {
    let content: Unicode.Scalar
    let start: Int
    let stop: Int

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.map { token in
            let chars = Array(token.unicodeScalars)
            var from = 0
            while from < min(start, chars.count) && chars[from] == content { from += 1 }
            var to = chars.count
            while chars.count - to < stop && to > from && chars[to - 1] == content { to -= 1 }
            var out = String.UnicodeScalarView()
            out.append(contentsOf: chars[from..<to])
            return String(out)
        }
    }
}

/// Replaces a literal string or regex with `content` in every token.
struct ReplaceDecoder: Decoder {
    let replace: ReplaceNormalizer
    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.map { String(decoding: replace.normalize(Array($0.utf8)), as: UTF8.self) }
    }
}

/// SentencePiece's "▁" back to spaces; in the first token the replacement is dropped instead, unless the
/// prepend scheme is "never" (HF drops every "▁" of the first token, not only a leading one).
struct MetaspaceDecoder: Decoder {
    let replacement: Unicode.Scalar
    let prependScheme: MetaspacePreTokenizer.PrependScheme

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { i, token in
            var s = String.UnicodeScalarView()
            for c in token.unicodeScalars {
                if c == replacement {
                    if i == 0 && prependScheme != .never { continue }
                    s.append(" ")
                } else {
                    s.append(c)
                }
            }
            return String(s)
        }
    }
}

/// Decoders applied in order.
struct SequenceDecoder: Decoder {
    let stages: [Decoder]
    func decodeChain(_ tokens: [String]) -> [String] { stages.reduce(tokens) { $1.decodeChain($0) } }
}

extension JSONNode {
    /// The decoder this JSON object describes; throws naming the field for an unknown type or a bad member.
    func decoder() throws -> Decoder {
        let type = try componentType()
        func character(_ key: String, default d: String) throws -> Unicode.Scalar {
            let s = try string(key, default: d)
            guard s.unicodeScalars.count == 1 else {
                throw TokenizerError.malformed(path: file, field: field + "." + key, reason: "is not one character")
            }
            return s.unicodeScalars.first!
        }
        switch type {
        case "ByteLevel": return ByteLevelDecoder()
        case "ByteFallback": return ByteFallbackDecoder()
        case "Fuse": return FuseDecoder()
        case "Strip":
            return StripDecoder(content: try character("content", default: " "), start: try int("start", default: 0),
                                stop: try int("stop", default: 0))
        case "Replace":
            return ReplaceDecoder(replace: ReplaceNormalizer(pattern: try required("pattern").textPattern(),
                                                             content: Array(try required("content").string().utf8)))
        case "Metaspace":
            var scheme = MetaspacePreTokenizer.PrependScheme.always
            if let node = try optional("prepend_scheme") {
                guard let s = MetaspacePreTokenizer.PrependScheme(rawValue: try node.string()) else {
                    throw node.fail("is not one of \"always\", \"first\", \"never\"")
                }
                scheme = s
            } else if try !bool("add_prefix_space", default: true) {
                scheme = .never
            }
            return MetaspaceDecoder(replacement: try character("replacement", default: "▁"), prependScheme: scheme)
        case "Sequence": return SequenceDecoder(stages: try required("decoders").array().map { try $0.decoder() })
        default: throw unsupportedType(type)
        }
    }
}
