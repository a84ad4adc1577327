/// JSON text the way serde_json writes it (HF's files): strings escape only `"`, `\` and control characters,
/// pretty output indents by two spaces, and empty containers print as `[]` / `{}`.
enum JSONText {
    /// `s` as a JSON string literal: `"`, `\` and control characters escaped (serde_json, and Python's
    /// `json.dumps(ensure_ascii=False)`); with `ensureASCII`, also DEL and every non-ASCII scalar as UTF-16 `\u`
    /// escapes, as `json.dumps` does by default.
    static func quote(_ s: String, ensureASCII: Bool = false) -> String {
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
