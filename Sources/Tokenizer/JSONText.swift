/// JSON text the way serde_json writes it (HF's files): strings escape only `"`, `\` and control characters,
/// pretty output indents by two spaces, and empty containers print as `[]` / `{}`.
enum JSONText {
    /// `s` as a JSON string literal.
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
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
