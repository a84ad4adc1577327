import Foundation

/// A parsed JSON value. Objects keep their keys in file order; integers are kept apart from other numbers so an
/// id is never rounded through a Double.
enum JSONValue {
    case null
    case bool(Bool)
    /// An integer literal that fits in Int64.
    case integer(Int64)
    /// Any other number (a fraction, an exponent, or an integer too large for Int64).
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// Scalars as JSON text, containers by their type (for error messages).
    var shortText: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .integer(let v): return "\(v)"
        case .number(let d): return "\(d)"
        case .string(let s): return JSONText.quote(s)
        case .array, .object: return typeName
        }
    }

    /// The JSON type's name, for error messages.
    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer, .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// A JSON object's members in file order, with an index by key (keys are unique: the reader rejects duplicates).
final class JSONObject {
    private(set) var keys: [String] = []
    private(set) var values: [JSONValue] = []
    private var index: [String: Int] = [:]

    /// Number of members.
    var count: Int { keys.count }

    /// The value of `key`, nil when absent.
    subscript(key: String) -> JSONValue? { index[key].map { values[$0] } }

    /// Adds a member; false (and the object unchanged) when the key is already present. One hash lookup per new
    /// key: the reader's time on a `tokenizer.json` is mostly these insertions.
    func append(_ key: String, _ value: JSONValue) -> Bool {
        if let earlier = index.updateValue(keys.count, forKey: key) {
            index[key] = earlier
            return false
        }
        keys.append(key)
        values.append(value)
        return true
    }
}

/// A strict JSON reader (RFC 8259) for tokenizer files. Unlike JSONSerialization it rejects an object that repeats
/// a key (naming the key and its line) and keeps integers exact.
///
/// Bounds: input up to `maxBytes` (1 GiB); nesting up to `maxDepth` (64) arrays/objects; strings must be valid
/// UTF-8 (escapes included: a lone surrogate is an error); integers outside Int64 are read as Doubles (and then fail
/// any id check). Numbers, strings and containers have no other size limit than the input's.
struct JSONReader {
    static let maxBytes = 1 << 30
    static let maxDepth = 64

    /// A syntax error with its 1-based line.
    struct SyntaxError: Error {
        let line: Int
        let message: String
    }

    private let bytes: [UInt8]
    private var i = 0
    private var depth = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Parses a whole document; throws `SyntaxError`.
    static func parse(_ data: Data) throws -> JSONValue {
        guard data.count <= maxBytes else { throw SyntaxError(line: 1, message: "file is larger than \(maxBytes) bytes") }
        var reader = JSONReader([UInt8](data))
        reader.skipSpace()
        let value = try reader.value()
        reader.skipSpace()
        guard reader.i == reader.bytes.count else { throw reader.error("unexpected text after the JSON value") }
        return value
    }

    private func error(_ message: String) -> SyntaxError {
        var line = 1
        for k in 0..<min(i, bytes.count) where bytes[k] == 0x0A { line += 1 }
        return SyntaxError(line: line, message: message)
    }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func value() throws -> JSONValue {
        guard i < bytes.count else { throw error("unexpected end of input") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try number()
        }
    }

    private mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { throw error("invalid literal") }
        i += w.count
    }

    private mutating func enter() throws {
        depth += 1
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth) levels") }
    }

    private mutating func object() throws -> JSONValue {
        try enter()
        i += 1
        let object = JSONObject()
        skipSpace()
        if i < bytes.count && bytes[i] == UInt8(ascii: "}") { i += 1; depth -= 1; return .object(object) }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let keyStart = i
            let key = try string()
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
            i += 1
            skipSpace()
            let v = try value()
            if !object.append(key, v) {
                i = keyStart
                throw error("duplicate key \"\(key)\"")
            }
            skipSpace()
            guard i < bytes.count else { throw error("unexpected end of input in an object") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; break }
            throw error("expected ',' or '}' in an object")
        }
        depth -= 1
        return .object(object)
    }

    private mutating func array() throws -> JSONValue {
        try enter()
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < bytes.count && bytes[i] == UInt8(ascii: "]") { i += 1; depth -= 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value())
            skipSpace()
            guard i < bytes.count else { throw error("unexpected end of input in an array") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; break }
            throw error("expected ',' or ']' in an array")
        }
        depth -= 1
        return .array(items)
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw error("invalid \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    private mutating func string() throws -> String {
        i += 1
        let start = i
        // Fast path: no escapes, validated UTF-8 taken as is.
        while i < bytes.count && bytes[i] != UInt8(ascii: "\"") && bytes[i] != UInt8(ascii: "\\") && bytes[i] >= 0x20 { i += 1 }
        guard i < bytes.count else { throw error("unterminated string") }
        if bytes[i] == UInt8(ascii: "\"") {
            defer { i += 1 }
            guard let s = String(validating: bytes[start..<i], as: UTF8.self) else { throw error("string is not valid UTF-8") }
            return s
        }
        var out = [UInt8](bytes[start..<i])
        while true {
            guard i < bytes.count else { throw error("unterminated string") }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { i += 1; break }
            if c < 0x20 { throw error("control character in a string") }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            i += 1
            guard i < bytes.count else { throw error("unterminated escape") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var v = try hex4()
                if v >= 0xD800 && v < 0xDC00 {
                    guard i + 2 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw error("lone surrogate in a \\u escape")
                    }
                    i += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low < 0xE000 else { throw error("lone surrogate in a \\u escape") }
                    v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                } else if v >= 0xDC00 && v < 0xE000 {
                    throw error("lone surrogate in a \\u escape")
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(v)!)).utf8))
            default: throw error("invalid escape")
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw error("string is not valid UTF-8") }
        return s
    }

    private mutating func number() throws -> JSONValue {
        let start = i
        var integral = true
        if i < bytes.count && bytes[i] == UInt8(ascii: "-") { i += 1 }
        let digitsStart = i
        while i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1 }
        guard i > digitsStart else { throw error("invalid value") }
        if bytes[digitsStart] == 0x30 && i - digitsStart > 1 { throw error("number with a leading zero") }
        if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
            integral = false
            i += 1
            let f = i
            while i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1 }
            guard i > f else { throw error("invalid number") }
        }
        if i < bytes.count && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            integral = false
            i += 1
            if i < bytes.count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
            let f = i
            while i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1 }
            guard i > f else { throw error("invalid number") }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if integral, let v = Int64(text) { return .integer(v) }
        guard let d = Double(text) else { throw error("invalid number") }
        return .number(d)
    }
}

/// A JSON value together with where it sits (file and dotted field path), so that every type or range error
/// names the file and field: `tokenizer.json: field 'model.ignore_merges' is a string, expected a boolean`.
struct JSONNode {
    let value: JSONValue
    let file: String
    let field: String

    /// Reads a whole file's content; syntax errors (duplicate keys included) name the file and line.
    static func parse(_ data: Data, file: String) throws -> JSONNode {
        do {
            return JSONNode(value: try JSONReader.parse(data), file: file, field: "(root)")
        } catch let e as JSONReader.SyntaxError {
            throw TokenizerError.malformed(path: file, field: "(root)", reason: "is not valid JSON (line \(e.line): \(e.message))")
        }
    }

    func fail(_ reason: String) -> TokenizerError { .malformed(path: file, field: field, reason: reason) }

    private func typeError(_ expected: String) -> TokenizerError { fail("is \(value.typeName), expected \(expected)") }

    var isNull: Bool { if case .null = value { return true } else { return false } }

    private func child(_ key: String) -> String { field == "(root)" ? key : field + "." + key }

    /// The member `key` of this object, nil when absent or null.
    func optional(_ key: String) throws -> JSONNode? {
        guard case .object(let o) = value else { throw typeError("an object") }
        guard let v = o[key] else { return nil }
        if case .null = v { return nil }
        return JSONNode(value: v, file: file, field: child(key))
    }

    /// The member `key` of this object; throws when absent or null.
    func required(_ key: String) throws -> JSONNode {
        guard let node = try optional(key) else {
            throw TokenizerError.malformed(path: file, field: child(key), reason: "is missing")
        }
        return node
    }

    func string() throws -> String {
        guard case .string(let s) = value else { throw typeError("a string") }
        return s
    }

    func bool() throws -> Bool {
        guard case .bool(let b) = value else { throw typeError("a boolean") }
        return b
    }

    /// An integer in `range`.
    func int(in range: ClosedRange<Int> = 0...Int(Int32.max)) throws -> Int {
        guard case .integer(let v) = value else {
            if case .number = value { throw fail("is not an integer in \(range.lowerBound)...\(range.upperBound)") }
            throw typeError("an integer")
        }
        guard v >= Int64(range.lowerBound) && v <= Int64(range.upperBound) else {
            throw fail("is \(v), outside \(range.lowerBound)...\(range.upperBound)")
        }
        return Int(v)
    }

    func array() throws -> [JSONNode] {
        guard case .array(let items) = value else { throw typeError("an array") }
        return items.enumerated().map { JSONNode(value: $1, file: file, field: "\(field)[\($0)]") }
    }

    /// The members of this object in file order.
    func members() throws -> [(key: String, node: JSONNode)] {
        guard case .object(let o) = value else { throw typeError("an object") }
        return zip(o.keys, o.values).map { ($0, JSONNode(value: $1, file: file, field: "\(field)[\(JSONText.quote($0))]")) }
    }

    /// Optional typed members with a default for absent or null.
    func string(_ key: String, default d: String) throws -> String { try optional(key)?.string() ?? d }
    func bool(_ key: String, default d: Bool) throws -> Bool { try optional(key)?.bool() ?? d }
    func int(_ key: String, default d: Int) throws -> Int { try optional(key)?.int() ?? d }

    /// The `type` member of a pipeline component.
    func componentType() throws -> String { try required("type").string() }

    /// The error for a component type we do not implement: `tokenizer.json: pre_tokenizer type "X" is not supported`.
    func unsupportedType(_ type: String) -> TokenizerError {
        .unsupported(path: file, field: field + " type", value: type)
    }
}
