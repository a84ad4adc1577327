import Foundation

/// A value inside a chat template, with Python's semantics (chat templates are written against Jinja running on
/// Python, so truthiness, `str()`, equality and ordering must be Python's for the output to match byte for byte).
public indirect enum JinjaValue {
    /// Jinja's default `Undefined`: falsy, renders as "", iterates as empty; `name` says what was missing.
    case undefined(String)
    /// Python's `None`.
    case none
    /// Python's `bool`.
    case bool(Bool)
    /// Python's `int` (64-bit here).
    case int(Int)
    /// Python's `float`.
    case float(Double)
    /// Python's `str`.
    case string(String)
    /// A Python list.
    case list([JinjaValue])
    /// A Python tuple: `(a, b)` literals, the pairs of `dict.items()`; prints as `(a, b)` and never equals a list.
    case tuple([JinjaValue])
    /// A Python dict with string keys, in insertion order (order shows in `tojson` and iteration).
    case dict(JinjaDict)
    /// `namespace(...)`: the one mutable object a template can make (`{% set ns.x = … %}`).
    case namespace(JinjaNamespace)
    /// A callable: a global function, a macro, or a method bound to its receiver.
    case function(JinjaFunction)

    /// Python truthiness.
    public var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case let .bool(b): return b
        case let .int(i): return i != 0
        case let .float(d): return d != 0
        case let .string(s): return !s.isEmpty
        case let .list(l), let .tuple(l): return !l.isEmpty
        case let .dict(d): return !d.isEmpty
        case .namespace, .function: return true
        }
    }

    /// Whether this is Jinja's `Undefined`.
    public var isUndefined: Bool { if case .undefined = self { return true } else { return false } }

    /// The Python type name, for error messages.
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .namespace: return "Namespace"
        case .function: return "function"
        }
    }

    /// Python's `str(value)`, which is what `{{ value }}` prints (Undefined prints as nothing).
    public var pythonString: String {
        switch self {
        case .undefined: return ""
        case let .string(s): return s
        default: return pythonRepr
        }
    }

    /// Python's `repr(value)` (used inside list and dict reprs, where Jinja's Undefined shows as "Undefined").
    ///
    /// Bounded: writing stops once the text passes `ChatTemplateLimits.maxStringBytes` (a list holding one long
    /// string a million times would otherwise print terabytes), so the caller's size check fails on it; containers
    /// nested past 200 levels (only a namespace holding itself gets there) print as `...`, as Python's reprlib does.
    public var pythonRepr: String {
        var out = ""
        writeRepr(into: &out, level: 0)
        return out
    }

    private func writeRepr(into out: inout String, level: Int) {
        guard out.utf8.count <= ChatTemplateLimits.maxStringBytes else { return }
        func items(_ values: [JinjaValue], _ separator: String = ", ") {
            for (i, v) in values.enumerated() {
                if i > 0 { out += separator }
                v.writeRepr(into: &out, level: level + 1)
                if out.utf8.count > ChatTemplateLimits.maxStringBytes { return }
            }
        }
        func entries(_ d: JinjaDict, _ key: (String) -> String, _ separator: String) {
            for (i, e) in d.entries.enumerated() {
                if i > 0 { out += ", " }
                out += key(e.key) + separator
                e.value.writeRepr(into: &out, level: level + 1)
                if out.utf8.count > ChatTemplateLimits.maxStringBytes { return }
            }
        }
        if level >= 200 {
            switch self { case .list, .tuple, .dict, .namespace: out += "..."; return; default: break }
        }
        switch self {
        case .undefined: out += "Undefined"
        case .none: out += "None"
        case let .bool(b): out += b ? "True" : "False"
        case let .int(i): out += String(i)
        case let .float(d): out += JinjaValue.pythonFloatRepr(d)
        case let .string(s): out += JinjaValue.pythonStringRepr(s)
        case let .list(values): out += "["; items(values); out += "]"
        case let .tuple(values): out += "("; items(values); out += values.count == 1 ? ",)" : ")"
        case let .dict(d): out += "{"; entries(d, JinjaValue.pythonStringRepr, ": "); out += "}"
        case let .namespace(ns): out += "<Namespace "; entries(ns.dict, { $0 }, "="); out += ">"
        case let .function(f): out += "<function \(f.name)>"
        }
    }

    /// Python's float repr: the shortest text that reads back to the same double, with ".0" on whole numbers and
    /// an exponent from 1e16 up or below 1e-4.
    static func pythonFloatRepr(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        let magnitude = abs(d)
        if d == d.rounded(), magnitude < 1e16 {
            return String(format: "%.1f", d)
        }
        return "\(d)"  // Swift's description is also the shortest round-trip text, with Python's exponent form
    }

    /// Bytes that change a str's repr: controls, DEL, both quotes and the backslash (NUL-terminated for `strcspn`).
    private static let reprSpecialBytes: [CChar] = (1..<0x20).map { CChar($0) } + [0x7F, 0x22, 0x27, 0x5C, 0]

    /// Python's repr of a str: single quotes unless the text has a single quote and no double quote.
    static func pythonStringRepr(_ s: String) -> String {
        // Most strings need no escape at all: one byte scan, then one copy.
        if JSONText.lacksBytes(reprSpecialBytes, s) { return "'" + s + "'" }
        let quote: Character = (s.contains("'") && !s.contains("\"")) ? "\"" : "'"
        var out = String(quote)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(scalar) == quote { out += "\\" + String(quote) }
                else if scalar.value < 0x20 || scalar.value == 0x7F { out += String(format: "\\x%02x", scalar.value) }
                else { out.unicodeScalars.append(scalar) }
            }
        }
        out.append(quote)
        return out
    }
}

/// A string-keyed dictionary that remembers insertion order, like a Python dict.
public struct JinjaDict {
    /// The entries in insertion order.
    public private(set) var entries: [(key: String, value: JinjaValue)] = []
    private var index: [String: Int] = [:]

    /// An empty dict.
    public init() {}

    /// A dict from pairs in order; a repeated key keeps its first position and its last value, as in Python.
    public init(_ pairs: [(String, JinjaValue)]) { for (k, v) in pairs { self[k] = v } }

    /// Whether the dict has no entries.
    public var isEmpty: Bool { entries.isEmpty }
    /// The number of entries.
    public var count: Int { entries.count }
    /// The keys in order.
    public var keys: [String] { entries.map(\.key) }

    /// The value for a key, or nil when absent; setting appends new keys at the end.
    public subscript(key: String) -> JinjaValue? {
        get { index[key].map { entries[$0].value } }
        set {
            if let i = index[key] {
                if let v = newValue { entries[i].value = v } else {
                    entries.remove(at: i)
                    index = [:]
                    for (j, e) in entries.enumerated() { index[e.key] = j }
                }
            } else if let v = newValue {
                index[key] = entries.count
                entries.append((key, v))
            }
        }
    }
}

/// The object behind `namespace()`: a reference, so assignments inside loops are seen after them.
public final class JinjaNamespace {
    /// The attributes in the order they were first set.
    public var dict: JinjaDict
    init(_ dict: JinjaDict) { self.dict = dict }
}

/// A callable value: positional and keyword arguments in, a value out.
public struct JinjaFunction {
    /// A name for error messages and reprs.
    public let name: String
    let call: (_ args: [JinjaValue], _ kwargs: JinjaDict) throws -> JinjaValue
}

extension JinjaValue {
    /// Python `==`: numbers compare by value across int, float and bool; Undefined equals only Undefined.
    func pythonEquals(_ other: JinjaValue) -> Bool {
        switch (self, other) {
        case (.undefined, .undefined), (.none, .none): return true
        case let (.string(a), .string(b)): return a == b
        case let (.list(a), .list(b)), let (.tuple(a), .tuple(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.pythonEquals($1) }
        case let (.dict(a), .dict(b)):
            return a.count == b.count && a.entries.allSatisfy { e in b[e.key].map { e.value.pythonEquals($0) } ?? false }
        case let (.namespace(a), .namespace(b)): return a === b
        default:
            if let x = numericValue, let y = other.numericValue { return x == y }
            return false
        }
    }

    /// The value as a number when it is a bool, int or float (Python's bool is an int).
    var numericValue: Double? {
        switch self {
        case let .bool(b): return b ? 1 : 0
        case let .int(i): return Double(i)
        case let .float(d): return d
        default: return nil
        }
    }

    /// The value as an exact integer when it is a bool or int.
    var integerValue: Int? {
        switch self {
        case let .bool(b): return b ? 1 : 0
        case let .int(i): return i
        default: return nil
        }
    }

    /// Python ordering (`<`) for numbers, strings and lists; anything else is a type error.
    func pythonLess(_ other: JinjaValue) throws -> Bool {
        switch (self, other) {
        case let (.string(a), .string(b)): return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
        case let (.list(a), .list(b)), let (.tuple(a), .tuple(b)):
            for (x, y) in zip(a, b) where !x.pythonEquals(y) { return try x.pythonLess(y) }
            return a.count < b.count
        default:
            if let i = integerValue, let j = other.integerValue { return i < j }
            if let x = numericValue, let y = other.numericValue { return x < y }
            throw JinjaFailure("'<' not supported between instances of '\(typeName)' and '\(other.typeName)'")
        }
    }

    /// The items a `for` loop or a filter walks: list items, dict keys, a string's code points (as Python);
    /// Undefined is empty.
    func iterated() throws -> [JinjaValue] {
        switch self {
        case .undefined: return []
        case let .list(l), let .tuple(l): return l
        case let .dict(d): return d.keys.map { .string($0) }
        case let .string(s): return s.unicodeScalars.map { .string(String($0)) }
        default: throw JinjaFailure("'\(typeName)' object is not iterable")
        }
    }
}
