import Foundation

/// JSON text the way serde_json writes it (HF's files): strings escape only `"`, `\` and control characters,
/// pretty output indents by two spaces, and empty containers print as `[]` / `{}`.
enum JSONText {
    /// Bytes 0x01–0x1F, `"` and `\\`, as a C string for `strcspn` (a NUL byte always stops the scan).
    static let controlsQuoteBackslash: [CChar] = (1..<0x20).map { CChar($0) } + [0x22, 0x5C, 0]
    /// The same plus every byte from 0x7F up (DEL and all of UTF-8's multi-byte sequences).
    static let controlsQuoteBackslashNonASCII: [CChar] = controlsQuoteBackslash.dropLast() + (0x7F...0xFF).map { CChar(bitPattern: UInt8($0)) } + [0]

    /// Whether `s` holds none of the bytes of the NUL-terminated `set` (nor a NUL byte): libc's `strcspn`, so the
    /// common case of a string with nothing to escape costs one fast scan even in a debug build.
    static func lacksBytes(_ set: [CChar], _ s: String) -> Bool {
        s.withCString { p in set.withUnsafeBufferPointer { strcspn(p, $0.baseAddress!) } } == s.utf8.count
    }

    /// `s` as a JSON string literal: `"`, `\` and control characters escaped (serde_json, and Python's
    /// `json.dumps(ensure_ascii=False)`); with `ensureASCII`, also DEL and every non-ASCII scalar as UTF-16 `\u`
    /// escapes, as `json.dumps` does by default.
    static func quote(_ s: String, ensureASCII: Bool = false) -> String {
        // Most strings need no escape at all: one byte scan, then one copy.
        if JSONText.lacksBytes(ensureASCII ? JSONText.controlsQuoteBackslashNonASCII : JSONText.controlsQuoteBackslash, s) {
            return "\"" + s + "\""
        }
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || (ensureASCII && scalar.value == 0x7F) {
                    out += String(format: "\\u%04x", scalar.value)
                } else if ensureASCII && scalar.value > 0x7F {
                    for unit in String(scalar).utf16 { out += String(format: "\\u%04x", unit) }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// A pretty-printed array or object whose items are already rendered; `indent` is the bracket's depth.
    static func container(_ items: [String], open: String, close: String, indent: Int) -> String {
        if items.isEmpty { return open + close }
        let pad = String(repeating: "  ", count: indent + 1)
        return open + "\n" + items.map { pad + $0 }.joined(separator: ",\n") + "\n"
            + String(repeating: "  ", count: indent) + close
    }

    /// A pretty-printed object from ordered (key, rendered value) pairs.
    static func object(_ fields: [(String, String)], indent: Int) -> String {
        container(fields.map { quote($0.0) + ": " + $0.1 }, open: "{", close: "}", indent: indent)
    }
}
