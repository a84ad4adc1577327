import Foundation

/// JSON in and out of template values. Out: Python's `json.dumps(x, ensure_ascii=False, indent=…)`, which is what
/// transformers' `tojson` filter calls (key order kept, `", "`/`": "` separators, or `","` and newlines with an
/// indent). In: a small parser that keeps object key order (Foundation's does not), so messages and tools read
/// from JSON render their keys in the order they were written.
enum JinjaJSON {
    /// Python's `json.dumps`: `separators` default to `", "`/`": "` without an indent and `","`/`": "` with one;
    /// `ensureASCII` escapes every non-ASCII character as `\uXXXX` (surrogate pairs above U+FFFF).
    static func dumps(_ v: JinjaValue, indent: Int?, sortKeys: Bool = false, separators: (String, String)? = nil,
                      ensureASCII: Bool = false) throws -> String {
        var out = ""
        // Python's `" " * n` is empty for n < 0; a wider indent than the string bound cannot be written at all.
        let indent = indent.map { max(0, $0) }
        if let indent { try JinjaBounds.checkString(indent, "tojson's indent") }
        let style = Style(indent: indent, sortKeys: sortKeys,
                          itemSeparator: separators?.0 ?? (indent == nil ? ", " : ","),
                          keySeparator: separators?.1 ?? ": ", ensureASCII: ensureASCII)
        try write(v, style, level: 0, into: &out)
        return out
    }

    private struct Style {
        let indent: Int?
        let sortKeys: Bool
        let itemSeparator: String
        let keySeparator: String
        let ensureASCII: Bool
    }

    private static func write(_ v: JinjaValue, _ style: Style, level: Int, into out: inout String) throws {
        // Python raises "Circular reference detected" for a namespace inside itself; deep nesting stops here too.
        guard level < 200 else { throw JinjaFailure("tojson: the value nests more than 200 levels deep (or contains itself)") }
        try JinjaBounds.checkString(out.utf8.count, "tojson")
        switch v {
        case .none: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .float(d):
            if d.isNaN { out += "NaN" } else if d.isInfinite { out += d < 0 ? "-Infinity" : "Infinity" }
            else { out += JinjaValue.pythonFloatRepr(d) }
        case let .string(s): out += quote(s, ensureASCII: style.ensureASCII)
        case let .list(items), let .tuple(items):
            try container(items.map { item in { (o: inout String) in try write(item, style, level: level + 1, into: &o) } },
                          open: "[", close: "]", style, level: level, into: &out)
        case let .dict(d):
            try writeObject(d, style, level: level, into: &out)
        case let .namespace(ns):
            try writeObject(ns.dict, style, level: level, into: &out)
        case .undefined:
            throw JinjaFailure("Object of type Undefined is not JSON serializable")
        case .function:
            throw JinjaFailure("Object of type function is not JSON serializable")
        }
    }

    private static func writeObject(_ d: JinjaDict, _ style: Style, level: Int, into out: inout String) throws {
        var entries = d.entries
        if style.sortKeys { entries.sort { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) } }
        try container(entries.map { e in { (o: inout String) in
            o += quote(e.key, ensureASCII: style.ensureASCII) + style.keySeparator
            try write(e.value, style, level: level + 1, into: &o)
        } }, open: "{", close: "}", style, level: level, into: &out)
    }

    private static func container(_ items: [(inout String) throws -> Void], open: String, close: String, _ style: Style,
                                  level: Int, into out: inout String) throws {
        out += open
        guard !items.isEmpty else { out += close; return }
        if let indent = style.indent {
            let (width, overflow) = indent.multipliedReportingOverflow(by: level + 1)
            try JinjaBounds.checkString(overflow ? Int.max : out.utf8.count + width, "tojson")
            let inner = "\n" + String(repeating: " ", count: width)
            for (i, item) in items.enumerated() {
                out += (i == 0 ? "" : style.itemSeparator) + inner
                try item(&out)
                try JinjaBounds.checkString(out.utf8.count, "tojson")
            }
            out += "\n" + String(repeating: " ", count: indent * level) + close
        } else {
            for (i, item) in items.enumerated() {
                if i > 0 { out += style.itemSeparator }
                try item(&out)
                try JinjaBounds.checkString(out.utf8.count, "tojson")
            }
            out += close
        }
    }

    /// A JSON string as Python writes it (see `JSONText.quote`).
    static func quote(_ s: String, ensureASCII: Bool = false) -> String { JSONText.quote(s, ensureASCII: ensureASCII) }

    // MARK: parsing

    /// Parses JSON text into a value, keeping object key order; `what` names the source in errors.
    static func parse(_ text: String, what: String) throws -> JinjaValue {
        var parser = Parser(scalars: Array(text.unicodeScalars), what: what)
        parser.skipSpace()
        let v = try parser.value()
        parser.skipSpace()
        guard parser.i == parser.scalars.count else { throw parser.failure("unexpected text after the JSON value") }
        return v
    }

    /// Objects and arrays nest at most this deep in parsed JSON (as JSONL lines are bounded).
    static let maxParseDepth = 256

    private struct Parser {
        let scalars: [Unicode.Scalar]
        let what: String
        var i = 0
        var depth = 0

        init(scalars: [Unicode.Scalar], what: String) { self.scalars = scalars; self.what = what }

        func failure(_ message: String) -> TokenizerError {
            var line = 1
            for s in scalars[0..<min(i, scalars.count)] where s == "\n" { line += 1 }
            return .malformed(path: what, field: "line \(line)", reason: message)
        }

        mutating func skipSpace() { while i < scalars.count, [" ", "\n", "\r", "\t"].contains(scalars[i]) { i += 1 } }

        mutating func value() throws -> JinjaValue {
            guard i < scalars.count else { throw failure("unexpected end of JSON") }
            depth += 1
            defer { depth -= 1 }
            guard depth <= JinjaJSON.maxParseDepth else { throw failure("JSON nests more than \(JinjaJSON.maxParseDepth) levels deep") }
            switch scalars[i] {
            case "{":
                i += 1
                var d = JinjaDict()
                skipSpace()
                if i < scalars.count, scalars[i] == "}" { i += 1; return .dict(d) }
                while true {
                    skipSpace()
                    guard i < scalars.count, scalars[i] == "\"" else { throw failure("expected a string key") }
                    let key = try string()
                    skipSpace()
                    guard i < scalars.count, scalars[i] == ":" else { throw failure("expected ':' after a key") }
                    i += 1
                    skipSpace()
                    d[key] = try value()
                    skipSpace()
                    guard i < scalars.count else { throw failure("unterminated object") }
                    if scalars[i] == "," { i += 1; continue }
                    if scalars[i] == "}" { i += 1; return .dict(d) }
                    throw failure("expected ',' or '}' in an object")
                }
            case "[":
                i += 1
                var items: [JinjaValue] = []
                skipSpace()
                if i < scalars.count, scalars[i] == "]" { i += 1; return .list(items) }
                while true {
                    skipSpace()
                    items.append(try value())
                    skipSpace()
                    guard i < scalars.count else { throw failure("unterminated array") }
                    if scalars[i] == "," { i += 1; continue }
                    if scalars[i] == "]" { i += 1; return .list(items) }
                    throw failure("expected ',' or ']' in an array")
                }
            case "\"": return .string(try string())
            case "t": try word("true"); return .bool(true)
            case "f": try word("false"); return .bool(false)
            case "n": try word("null"); return .none
            default: return try number()
            }
        }

        mutating func word(_ w: String) throws {
            let n = Array(w.unicodeScalars)
            guard i + n.count <= scalars.count, Array(scalars[i..<(i + n.count)]) == n else { throw failure("invalid literal") }
            i += n.count
        }

        mutating func number() throws -> JinjaValue {
            let start = i
            var isFloat = false
            while i < scalars.count, "+-0123456789.eE".unicodeScalars.contains(scalars[i]) {
                if ".eE".unicodeScalars.contains(scalars[i]) { isFloat = true }
                i += 1
            }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[start..<i])
            let text = String(view)
            if !isFloat, let v = Int(text) { return .int(v) }
            guard !text.isEmpty, let d = Double(text) else { throw failure("invalid value '\(text)'") }
            return .float(d)
        }

        mutating func string() throws -> String {
            i += 1
            var out = String.UnicodeScalarView()
            while true {
                guard i < scalars.count else { throw failure("unterminated string") }
                let c = scalars[i]
                i += 1
                if c == "\"" { return String(out) }
                guard c == "\\" else { out.append(c); continue }
                guard i < scalars.count else { throw failure("unterminated escape") }
                let e = scalars[i]
                i += 1
                switch e {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "b": out.append("\u{08}")
                case "f": out.append("\u{0C}")
                case "/", "\\", "\"": out.append(e)
                case "u":
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code), i + 1 < scalars.count, scalars[i] == "\\", scalars[i + 1] == "u" {
                        i += 2
                        let low = try hex4()
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let s = Unicode.Scalar(code) else { throw failure("invalid \\u escape") }
                    out.append(s)
                default: throw failure("invalid escape '\\\(e)'")
                }
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= scalars.count else { throw failure("short \\u escape") }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[i..<(i + 4)])
            guard let v = UInt32(String(view), radix: 16) else { throw failure("invalid \\u escape") }
            i += 4
            return v
        }
    }
}
