/// A value written as a Python literal — what GlobalOpinionQA's `selections` and `options` columns hold, e.g.
/// `defaultdict(<class 'list'>, {'Nigeria': [0.1, 0.9]})` and `['Yes', "Don't know"]`.
public indirect enum PythonLiteral: Equatable, Sendable {
    case string(String)
    /// A float literal (`1.0`, `1e16`, `nan`, `-inf`): Python keeps it apart from an int, and so do we, because
    /// `str()` writes the two differently (`1.0` against `1`).
    case number(Double)
    /// An int literal (`3`, `-12`, `1_000`); one beyond 64 bits is a parse error.
    case integer(Int)
    case bool(Bool)
    case none
    case list([PythonLiteral])
    /// Key–value pairs in source order.
    case dict([(PythonLiteral, PythonLiteral)])

    /// A parse failure with the 0-based character offset where it happened.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        /// What was wrong.
        public var message: String
        /// Offset in UTF-8 bytes from the start of the text.
        public var offset: Int
        /// `message (at character N)`.
        public var description: String { "\(message) (at character \(offset))" }
    }

    /// Parses one literal: strings ('…' or "…" with backslash escapes), numbers (incl. nan, inf), True, False,
    /// None, lists, tuples, dicts, and `defaultdict(<factory>, {…})`, which reads as its dict.
    /// Containers nest at most `maxDepth` levels deep (the parser recurses once per level; deeper text is an
    /// error, never a stack overflow).
    public static func parse(_ text: String) throws -> PythonLiteral {
        var p = Parser(bytes: Array(text.utf8))
        let value = try p.value()
        p.skipSpace()
        if p.i < p.bytes.count { throw p.error("unexpected text after the value") }
        return value
    }

    /// How deeply lists, tuples and dicts may nest (GlobalOpinionQA needs 2).
    public static let maxDepth = 100

    /// Structural equality of two parsed literals.
    public static func == (a: PythonLiteral, b: PythonLiteral) -> Bool {
        switch (a, b) {
        case let (.string(x), .string(y)): return x == y
        case let (.number(x), .number(y)): return x == y || (x.isNaN && y.isNaN)
        case let (.integer(x), .integer(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        case (.none, .none): return true
        case let (.list(x), .list(y)): return x == y
        case let (.dict(x), .dict(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The string, if this is one.
    public var stringValue: String? { if case let .string(s) = self { return s } else { return nil } }
    /// The number, if this is one (ints widen to Double; booleans count as 0/1 as in Python).
    public var numberValue: Double? {
        switch self {
        case let .number(x): return x
        case let .integer(n): return Double(n)
        case let .bool(b): return b ? 1 : 0
        default: return nil
        }
    }
}

/// Recursive descent over UTF-8 bytes.
private struct Parser {
    let bytes: [UInt8]
    var i = 0
    var depth = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func error(_ message: String) -> PythonLiteral.ParseError { .init(message: message, offset: i) }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
    }

    mutating func expect(_ c: Character) throws {
        skipSpace()
        guard i < bytes.count, bytes[i] == c.asciiValue! else { throw error("expected '\(c)'") }
        i += 1
    }

    mutating func value() throws -> PythonLiteral {
        skipSpace()
        guard i < bytes.count else { throw error("unexpected end of text") }
        switch bytes[i] {
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "["): return .list(try sequence(close: "]"))
        case UInt8(ascii: "("): return .list(try sequence(close: ")"))
        case UInt8(ascii: "{"): return try dict()
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try number()
        default:
            let start = i
            let name = identifier()
            switch name {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            case "nan", "NaN": return .number(.nan)
            case "inf", "Infinity": return .number(.infinity)
            case "defaultdict": return try defaultDict()
            default:
                i = start
                throw error(name.isEmpty ? "unexpected character '\(Character(UnicodeScalar(bytes[i])))'"
                                         : "unknown name '\(name)'")
            }
        }
    }

    mutating func identifier() -> String {
        let start = i
        while i < bytes.count, bytes[i] == UInt8(ascii: "_") || (bytes[i] | 0x20 >= UInt8(ascii: "a") && bytes[i] | 0x20 <= UInt8(ascii: "z"))
                || (i > start && bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9")) { i += 1 }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    /// `defaultdict(<class 'list'>, {...})`: the factory is skipped, the dict is the value.
    mutating func defaultDict() throws -> PythonLiteral {
        try expect("(")
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "<") {
            while i < bytes.count, bytes[i] != UInt8(ascii: ">") {
                if bytes[i] == UInt8(ascii: "'") || bytes[i] == UInt8(ascii: "\"") { _ = try string() } else { i += 1 }
            }
            guard i < bytes.count else { throw error("unterminated '<…>' in defaultdict") }
            i += 1
        } else {
            _ = try value()
        }
        try expect(",")
        let body = try value()
        guard case .dict = body else { throw error("defaultdict must wrap a dict") }
        try expect(")")
        return body
    }

    /// Enters one container level, refusing to go past `PythonLiteral.maxDepth`.
    mutating func enter() throws {
        guard depth < PythonLiteral.maxDepth else { throw error("containers nest deeper than \(PythonLiteral.maxDepth) levels") }
        depth += 1
    }

    mutating func sequence(close: Character) throws -> [PythonLiteral] {
        try enter()
        defer { depth -= 1 }
        i += 1
        var items: [PythonLiteral] = []
        while true {
            skipSpace()
            guard i < bytes.count else { throw error("missing '\(close)'") }
            if bytes[i] == close.asciiValue! { i += 1; return items }
            items.append(try value())
            skipSpace()
            guard i < bytes.count else { throw error("missing '\(close)'") }
            if bytes[i] == UInt8(ascii: ",") { i += 1 } else if bytes[i] != close.asciiValue! {
                throw error("expected ',' or '\(close)'")
            }
        }
    }

    mutating func dict() throws -> PythonLiteral {
        try enter()
        defer { depth -= 1 }
        i += 1
        var items: [(PythonLiteral, PythonLiteral)] = []
        while true {
            skipSpace()
            guard i < bytes.count else { throw error("missing '}'") }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .dict(items) }
            let key = try value()
            try expect(":")
            items.append((key, try value()))
            skipSpace()
            guard i < bytes.count else { throw error("missing '}'") }
            if bytes[i] == UInt8(ascii: ",") { i += 1 } else if bytes[i] != UInt8(ascii: "}") {
                throw error("expected ',' or '}'")
            }
        }
    }

    /// An int when the literal has no `.` and no exponent (as Python's grammar), else a float.
    mutating func number() throws -> PythonLiteral {
        let start = i
        if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            i += 1
            let save = i
            let name = identifier()
            if name == "inf" || name == "Infinity" { return .number(bytes[start] == UInt8(ascii: "-") ? -.infinity : .infinity) }
            if name == "nan" { return .number(.nan) }
            i = save
        }
        while i < bytes.count {
            let b = bytes[i]
            let isDigit = b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
            let isExpSign = (b == UInt8(ascii: "-") || b == UInt8(ascii: "+"))
                && (bytes[i - 1] == UInt8(ascii: "e") || bytes[i - 1] == UInt8(ascii: "E"))
            guard isDigit || isExpSign || b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
                    || b == UInt8(ascii: "_") else { break }
            i += 1
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self).replacingOccurrences(of: "_", with: "")
        let isFloat = text.contains { $0 == "." || $0 == "e" || $0 == "E" }
        if !isFloat, !text.isEmpty, Double(text) != nil {
            guard let n = Int(text) else { i = start; throw error("integer '\(text)' does not fit in 64 bits") }
            return .integer(n)
        }
        guard let x = Double(text) else { i = start; throw error("bad number '\(text)'") }
        return .number(x)
    }

    /// A quoted string with Python's escapes; unknown escapes keep their backslash, as Python does.
    mutating func string() throws -> String {
        let q = bytes[i]
        let start = i
        i += 1
        var out: [UInt8] = []
        while i < bytes.count {
            let b = bytes[i]
            if b == q { i += 1; return String(decoding: out, as: UTF8.self) }
            if b == UInt8(ascii: "\\") && i + 1 < bytes.count {
                let e = bytes[i + 1]
                i += 2
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "0"): out.append(0)
                case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): out.append(e)
                case UInt8(ascii: "\n"): break
                case UInt8(ascii: "x"): out += try hexScalar(digits: 2)
                case UInt8(ascii: "u"): out += try hexScalar(digits: 4)
                case UInt8(ascii: "U"): out += try hexScalar(digits: 8)
                default: out += [UInt8(ascii: "\\"), e]
                }
                continue
            }
            out.append(b)
            i += 1
        }
        i = start
        throw error("unterminated string")
    }

    mutating func hexScalar(digits: Int) throws -> [UInt8] {
        guard i + digits <= bytes.count,
              let code = UInt32(String(decoding: bytes[i..<(i + digits)], as: UTF8.self), radix: 16),
              let scalar = UnicodeScalar(code) else { throw error("bad \\x/\\u escape") }
        i += digits
        return Array(String(Character(scalar)).utf8)
    }
}
