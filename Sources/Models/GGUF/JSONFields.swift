import Foundation

/// Typed reads of `JSONSerialization` dictionaries (config.json, tokenizer.json), which hold numbers as
/// `NSNumber`/`Int`/`Double` depending on platform and literal; a field of the wrong type is an error naming it.
struct JSONFields {
    let dict: [String: Any]
    /// Names the file in errors.
    let path: String

    func has(_ key: String) -> Bool { dict[key] != nil && !(dict[key] is NSNull) }

    func int(_ key: String) throws -> Int? {
        guard has(key) else { return nil }
        if let n = dict[key] as? Int { return n }
        if let n = dict[key] as? NSNumber, let i = Int(exactly: n.doubleValue) { return i }
        throw GGUFError.invalidArgument("\(path): field \(key) is not an integer: \(dict[key]!)")
    }

    func requiredInt(_ key: String) throws -> Int {
        guard let v = try int(key) else { throw GGUFError.invalidArgument("\(path): missing field \(key)") }
        return v
    }

    func double(_ key: String) throws -> Double? {
        guard has(key) else { return nil }
        if let n = dict[key] as? Double { return n }
        if let n = dict[key] as? Int { return Double(n) }
        if let n = dict[key] as? NSNumber { return n.doubleValue }
        throw GGUFError.invalidArgument("\(path): field \(key) is not a number: \(dict[key]!)")
    }

    func string(_ key: String) throws -> String? {
        guard has(key) else { return nil }
        guard let s = dict[key] as? String else { throw GGUFError.invalidArgument("\(path): field \(key) is not a string") }
        return s
    }

    func bool(_ key: String) throws -> Bool? {
        guard has(key) else { return nil }
        guard let b = dict[key] as? Bool else { throw GGUFError.invalidArgument("\(path): field \(key) is not a boolean") }
        return b
    }

    func object(_ key: String) throws -> [String: Any]? {
        guard has(key) else { return nil }
        guard let o = dict[key] as? [String: Any] else { throw GGUFError.invalidArgument("\(path): field \(key) is not an object") }
        return o
    }

    /// A token id field that may be an integer or a list of integers (`eos_token_id: [1, 2]`); the first is used.
    func firstInt(_ key: String) throws -> Int? {
        if let list = dict[key] as? [Any] {
            return try list.first.flatMap { try JSONFields(dict: ["v": $0], path: path).int("v") }
        }
        return try int(key)
    }
}

/// JSON text for the converted files: keys sorted (so output is deterministic), indented, `/` unescaped.
public enum GGUFJSONText {
    /// The UTF-8 JSON text of a `JSONSerialization`-compatible object.
    public static func data(_ object: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}
