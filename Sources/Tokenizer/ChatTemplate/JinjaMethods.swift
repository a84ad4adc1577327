import Foundation

/// The Python methods templates call on values: `str.strip/split/startswith/…`, `dict.get/items/keys/values`,
/// `list.index/count`. Mutating methods (`append`, `update`, …) are absent, as in transformers' immutable sandbox.
enum JinjaMethods {
    static func method(on receiver: JinjaValue, named name: String) -> JinjaFunction? {
        switch receiver {
        case let .string(s): return stringMethod(s, name)
        case let .dict(d): return dictMethod(d, name)
        case let .list(l), let .tuple(l): return listMethod(l, name)
        default: return nil
        }
    }

    private static func function(_ name: String, _ body: @escaping ([JinjaValue], JinjaDict) throws -> JinjaValue) -> JinjaFunction {
        JinjaFunction(name: name, call: body)
    }

    private static func string(_ args: [JinjaValue], _ i: Int, _ method: String) throws -> String? {
        guard i < args.count else { return nil }
        switch args[i] {
        case let .string(s): return s
        case .none: return nil
        default: throw JinjaFailure("\(method)() argument must be str or None, not \(args[i].typeName)")
        }
    }

    // MARK: str

    private static func stringMethod(_ s: String, _ name: String) -> JinjaFunction? {
        switch name {
        case "strip", "lstrip", "rstrip":
            return function(name) { args, _ in
                let chars = try string(args, 0, name)
                return .string(strip(s, chars: chars, leading: name != "rstrip", trailing: name != "lstrip"))
            }
        case "startswith", "endswith":
            return function(name) { args, _ in
                guard let first = args.first else { throw JinjaFailure("\(name)() takes at least 1 argument") }
                let candidates: [JinjaValue]
                if case let .tuple(l) = first { candidates = l } else { candidates = [first] }
                for c in candidates {
                    guard case let .string(p) = c else { throw JinjaFailure("\(name)() argument must be str") }
                    let hit = name == "startswith" ? s.unicodeScalars.starts(with: p.unicodeScalars)
                        : s.unicodeScalars.reversed().starts(with: p.unicodeScalars.reversed())
                    if hit { return .bool(true) }
                }
                return .bool(false)
            }
        case "split", "rsplit":
            return function(name) { args, kwargs in
                let sep = try string(args, 0, name) ?? kwargs["sep"].flatMap { if case let .string(x) = $0 { return x } else { return nil } }
                let maxsplit = (args.count > 1 ? args[1] : kwargs["maxsplit"])?.integerValue ?? -1
                return .list(try split(s, sep: sep, maxsplit: maxsplit, fromRight: name == "rsplit").map { .string($0) })
            }
        case "splitlines":
            return function(name) { _, _ in
                var lines = s.components(separatedBy: "\n")
                if lines.last == "" { lines.removeLast() }
                return .list(lines.map { .string($0) })
            }
        case "replace":
            return function(name) { args, _ in
                guard args.count >= 2, case let .string(old) = args[0], case let .string(new) = args[1] else {
                    throw JinjaFailure("replace() takes two strings")
                }
                let count = args.count > 2 ? (args[2].integerValue ?? -1) : -1
                return .string(try replace(s, old, new, count: count))
            }
        case "upper": return function(name) { _, _ in .string(s.uppercased()) }
        case "lower": return function(name) { _, _ in .string(s.lowercased()) }
        case "title": return function(name) { _, _ in .string(pythonTitle(s)) }
        case "capitalize": return function(name) { _, _ in .string(capitalize(s)) }
        case "isdigit": return function(name) { _, _ in .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType == .decimal }) }
        case "isalpha": return function(name) { _, _ in .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic }) }
        case "isspace": return function(name) { _, _ in .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isWhitespace }) }
        case "find", "count":
            return function(name) { args, _ in
                guard let needle = try string(args, 0, name) else { throw JinjaFailure("\(name)() takes a string") }
                let hay = Array(s.unicodeScalars), n = Array(needle.unicodeScalars)
                var hits: [Int] = []
                var i = 0
                while i + n.count <= hay.count {
                    if Array(hay[i..<(i + n.count)]) == n {
                        hits.append(i)
                        if name == "find" { break }
                        i += max(n.count, 1)
                    } else { i += 1 }
                }
                if name == "count" && n.isEmpty { return .int(hay.count + 1) }
                return name == "find" ? .int(hits.first ?? -1) : .int(hits.count)
            }
        case "join":
            return function(name) { args, _ in
                guard let first = args.first else { throw JinjaFailure("join() takes one argument") }
                return .string(try JinjaBounds.joined(try first.iterated().map(\.pythonString), separator: s))
            }
        case "format":
            return function(name) { args, kwargs in .string(try format(s, args, kwargs)) }
        default: return nil
        }
    }

    static func isPythonWhitespace(_ c: Unicode.Scalar) -> Bool {
        c.properties.isWhitespace || (0x1C...0x1F).contains(c.value)
    }

    /// Python's `str.strip(chars)`: whitespace when `chars` is nil, else any of those characters.
    static func strip(_ s: String, chars: String?, leading: Bool = true, trailing: Bool = true) -> String {
        let set = chars.map { Set($0.unicodeScalars) }
        let strip: (Unicode.Scalar) -> Bool = { c in set.map { $0.contains(c) } ?? isPythonWhitespace(c) }
        var scalars = Array(s.unicodeScalars)[...]
        if leading { while let c = scalars.first, strip(c) { scalars.removeFirst() } }
        if trailing { while let c = scalars.last, strip(c) { scalars.removeLast() } }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// Python's `str.split`: on runs of whitespace (dropping empties) without a separator, else on each separator.
    static func split(_ s: String, sep: String?, maxsplit: Int, fromRight: Bool) throws -> [String] {
        if let sep {
            guard !sep.isEmpty else { throw JinjaFailure("empty separator") }
            var parts = s.components(separatedBy: sep)
            if maxsplit >= 0, parts.count > maxsplit + 1 {
                if fromRight {
                    let head = parts[0..<(parts.count - maxsplit)].joined(separator: sep)
                    parts = [head] + parts[(parts.count - maxsplit)...]
                } else {
                    let tail = parts[maxsplit...].joined(separator: sep)
                    parts = Array(parts[0..<maxsplit]) + [tail]
                }
            }
            return parts
        }
        var words: [String] = []
        var current = String.UnicodeScalarView()
        let scalars = Array(s.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if isPythonWhitespace(c) {
                if !current.isEmpty {
                    words.append(String(current)); current = String.UnicodeScalarView()
                    if maxsplit >= 0, words.count == maxsplit, !fromRight {
                        var rest = String.UnicodeScalarView(); rest.append(contentsOf: scalars[i...])
                        let tail = strip(String(rest), chars: nil)
                        if !tail.isEmpty { words.append(tail) }
                        return words
                    }
                }
            } else { current.append(c) }
            i += 1
        }
        if !current.isEmpty { words.append(String(current)) }
        return words
    }

    static func replace(_ s: String, _ old: String, _ new: String, count: Int) throws -> String {
        // The result's size is checked before it is built: ''.replace('', x) grows by x at every character.
        let grow = new.utf8.count - old.utf8.count
        if grow > 0 {
            var hits = old.isEmpty ? s.count + 1 : s.utf8.count / old.utf8.count + 1
            if count >= 0 { hits = min(hits, count) }
            if !old.isEmpty, s.utf8.count + hits * grow > ChatTemplateLimits.maxStringBytes {
                hits = 0
                var rest = Substring(s)
                while count < 0 || hits < count, let r = rest.range(of: old) { hits += 1; rest = rest[r.upperBound...] }
            }
            try JinjaBounds.checkString(s.utf8.count + hits * grow, "replace")
        }
        if count < 0 { return old.isEmpty ? insertEverywhere(s, new) : s.replacingOccurrences(of: old, with: new) }
        var out = "", rest = Substring(s), done = 0
        while done < count, !old.isEmpty, let r = rest.range(of: old) {
            out += rest[..<r.lowerBound] + new
            rest = rest[r.upperBound...]
            done += 1
        }
        return out + rest
    }

    private static func insertEverywhere(_ s: String, _ new: String) -> String {
        new + s.map { String($0) + new }.joined()
    }

    /// Python's `str.title()`: a letter after a cased letter is lowered, any other letter raised.
    static func pythonTitle(_ s: String) -> String {
        var out = "", previousCased = false
        for c in s {
            let cased = c.isLetter && (c.isUppercase || c.isLowercase)
            out += previousCased ? c.lowercased() : c.uppercased()
            previousCased = cased
        }
        return out
    }

    /// Python's `str.capitalize()`: first character upper, the rest lower.
    static func capitalize(_ s: String) -> String {
        guard let first = s.first else { return s }
        return first.uppercased() + s.dropFirst().lowercased()
    }

    /// `str.format` with `{}`, `{0}`, `{name}` and `{{ }}` escapes (format specs after `:` are not supported).
    static func format(_ s: String, _ args: [JinjaValue], _ kwargs: JinjaDict) throws -> String {
        var out = "", auto = 0
        var chars = Array(s)[...]
        while let c = chars.first {
            chars.removeFirst()
            if c == "{" {
                if chars.first == "{" { chars.removeFirst(); out += "{"; continue }
                guard let close = chars.firstIndex(of: "}") else { throw JinjaFailure("single '{' encountered in format string") }
                let field = String(chars[chars.startIndex..<close])
                chars = chars[(close + 1)...]
                guard !field.contains(":") && !field.contains("!") else { throw JinjaFailure("format specs are not supported: {\(field)}") }
                let value: JinjaValue
                if field.isEmpty {
                    guard auto < args.count else { throw JinjaFailure("replacement index \(auto) out of range") }
                    value = args[auto]; auto += 1
                } else if let i = Int(field) {
                    guard i < args.count else { throw JinjaFailure("replacement index \(i) out of range") }
                    value = args[i]
                } else {
                    guard let v = kwargs[field] else { throw JinjaFailure("format key '\(field)' missing") }
                    value = v
                }
                out += value.pythonString
            } else if c == "}" {
                if chars.first == "}" { chars.removeFirst() }
                out += "}"
            } else { out.append(c) }
        }
        return out
    }

    // MARK: dict and list

    private static func dictMethod(_ d: JinjaDict, _ name: String) -> JinjaFunction? {
        switch name {
        case "get":
            return function(name) { args, _ in
                guard let key = args.first else { throw JinjaFailure("get() takes at least 1 argument") }
                if case let .string(k) = key, let v = d[k] { return v }
                return args.count > 1 ? args[1] : .none
            }
        case "items": return function(name) { _, _ in .list(d.entries.map { .tuple([.string($0.key), $0.value]) }) }
        case "keys": return function(name) { _, _ in .list(d.keys.map { .string($0) }) }
        case "values": return function(name) { _, _ in .list(d.entries.map(\.value)) }
        default: return nil
        }
    }

    private static func listMethod(_ l: [JinjaValue], _ name: String) -> JinjaFunction? {
        switch name {
        case "index":
            return function(name) { args, _ in
                guard let x = args.first, let i = l.firstIndex(where: { $0.pythonEquals(x) }) else {
                    throw JinjaFailure("value is not in list")
                }
                return .int(i)
            }
        case "count":
            return function(name) { args, _ in
                guard let x = args.first else { throw JinjaFailure("count() takes one argument") }
                return .int(l.filter { $0.pythonEquals(x) }.count)
            }
        default: return nil
        }
    }
}
