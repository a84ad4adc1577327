import Foundation

/// Jinja's built-in filters that chat templates use, plus transformers' `tojson` (plain `json.dumps` with
/// `ensure_ascii=False`, no HTML escaping). Arguments follow Jinja's signatures, positionally or by keyword.
enum JinjaFilters {
    typealias Filter = (_ value: JinjaValue, _ args: [JinjaValue], _ kwargs: JinjaDict, _ evaluator: JinjaEvaluator) throws -> JinjaValue

    /// Positional argument `i`, else keyword `name`, else nil.
    private static func arg(_ args: [JinjaValue], _ kwargs: JinjaDict, _ i: Int, _ name: String) -> JinjaValue? {
        i < args.count ? args[i] : kwargs[name]
    }

    private static func text(_ v: JinjaValue) -> String { v.pythonString }

    /// `attribute="a.b"` lookups used by map, selectattr, sort, unique, join.
    private static func attributePath(_ v: JinjaValue, _ path: JinjaValue?) throws -> JinjaValue {
        guard let path else { return v }
        var current = v
        for part in path.pythonString.split(separator: ".") {
            if let i = Int(part) { current = try JinjaAccess.item(current, .int(i)) }
            else { current = try JinjaAccess.item(current, .string(String(part))) }
            if current.isUndefined { return current }
        }
        return current
    }

    private static func sortKey(_ v: JinjaValue, caseSensitive: Bool) -> JinjaValue {
        if !caseSensitive, case let .string(s) = v { return .string(s.lowercased()) }
        return v
    }

    static let table: [String: Filter] = {
        var f: [String: Filter] = [:]
        f["trim"] = { v, args, kwargs, _ in
            let chars = arg(args, kwargs, 0, "chars").flatMap { $0.isTruthy ? $0.pythonString : nil }
            return .string(JinjaMethods.strip(text(v), chars: chars))
        }
        f["upper"] = { v, _, _, _ in .string(text(v).uppercased()) }
        f["lower"] = { v, _, _, _ in .string(text(v).lowercased()) }
        f["capitalize"] = { v, _, _, _ in .string(JinjaMethods.capitalize(text(v))) }
        f["title"] = { v, _, _, _ in .string(jinjaTitle(text(v))) }
        let length: Filter = { v, _, _, _ in
            switch v {
            case .undefined: return .int(0)
            case let .string(s): return .int(s.unicodeScalars.count)
            case let .list(l), let .tuple(l): return .int(l.count)
            case let .dict(d): return .int(d.count)
            default: throw JinjaFailure("object of type '\(v.typeName)' has no len()")
            }
        }
        f["length"] = length
        f["count"] = length
        f["tojson"] = { v, args, kwargs, _ in
            // transformers' signature: tojson(ensure_ascii=False, indent=None, separators=None, sort_keys=False).
            let ensureASCII = arg(args, kwargs, 0, "ensure_ascii")?.isTruthy ?? false
            let indent = arg(args, kwargs, 1, "indent")?.integerValue ?? kwargs["indent"]?.integerValue
            var separators: (String, String)?
            if let sep = arg(args, kwargs, 2, "separators"), !sep.pythonEquals(.none) {
                guard case let .tuple(pair) = sep, pair.count == 2, case let .string(a) = pair[0], case let .string(b) = pair[1] else {
                    throw JinjaFailure("tojson separators must be a pair of strings")
                }
                separators = (a, b)
            }
            let sortKeys = arg(args, kwargs, 3, "sort_keys")?.isTruthy ?? false
            return .string(try JinjaJSON.dumps(v, indent: indent, sortKeys: sortKeys, separators: separators, ensureASCII: ensureASCII))
        }
        f["string"] = { v, _, _, _ in .string(text(v)) }
        let defaultFilter: Filter = { v, args, kwargs, _ in
            let fallback = arg(args, kwargs, 0, "default_value") ?? .string("")
            let boolean = arg(args, kwargs, 1, "boolean")?.isTruthy ?? false
            return (v.isUndefined || (boolean && !v.isTruthy)) ? fallback : v
        }
        f["default"] = defaultFilter
        f["d"] = defaultFilter
        f["join"] = { v, args, kwargs, _ in
            let separator = arg(args, kwargs, 0, "d").map(text) ?? ""
            let attribute = arg(args, kwargs, 1, "attribute")
            return .string(try JinjaBounds.joined(try v.iterated().map { try attributePath($0, attribute).pythonString }, separator: separator))
        }
        f["items"] = { v, _, _, _ in
            switch v {
            case .undefined: return .list([])
            case let .dict(d): return .list(d.entries.map { .tuple([.string($0.key), $0.value]) })
            default: throw JinjaFailure("can only get item pairs from a mapping, not \(v.typeName)")
            }
        }
        f["first"] = { v, _, _, _ in try v.iterated().first ?? .undefined("no first item, sequence was empty") }
        f["last"] = { v, _, _, _ in try v.iterated().last ?? .undefined("no last item, sequence was empty") }
        f["list"] = { v, _, _, _ in .list(try v.iterated()) }
        f["reverse"] = { v, _, _, _ in
            if case let .string(s) = v {
                var out = String.UnicodeScalarView()
                out.append(contentsOf: s.unicodeScalars.reversed())
                return .string(String(out))
            }
            return .list(try v.iterated().reversed())
        }
        f["replace"] = { v, args, kwargs, _ in
            guard let old = arg(args, kwargs, 0, "old"), let new = arg(args, kwargs, 1, "new") else {
                throw JinjaFailure("replace needs the old and the new text")
            }
            let count = arg(args, kwargs, 2, "count")?.integerValue ?? -1
            return .string(try JinjaMethods.replace(text(v), text(old), text(new), count: count))
        }
        f["int"] = { v, args, kwargs, _ in
            let fallback = arg(args, kwargs, 0, "default") ?? .int(0)
            // Python's int(Undefined) raises UndefinedError, which the filter does not catch.
            if case let .undefined(hint) = v { throw JinjaFailure(hint) }
            switch v {
            case let .int(i): return .int(i)
            case let .bool(b): return .int(b ? 1 : 0)
            case let .float(d): return abs(d) < 9e18 ? .int(Int(d)) : fallback
            case let .string(s):
                let t = JinjaMethods.strip(s, chars: nil).replacingOccurrences(of: "_", with: "")
                if let i = Int(t) { return .int(i) }
                if let d = Double(t), abs(d) < 9e18 { return .int(Int(d)) }
                return fallback
            default: return fallback
            }
        }
        f["float"] = { v, args, kwargs, _ in
            let fallback = arg(args, kwargs, 0, "default") ?? .float(0)
            if case let .undefined(hint) = v { throw JinjaFailure(hint) }
            switch v {
            case let .int(i): return .float(Double(i))
            case let .bool(b): return .float(b ? 1 : 0)
            case let .float(d): return .float(d)
            case let .string(s): return Double(JinjaMethods.strip(s, chars: nil)).map { .float($0) } ?? fallback
            default: return fallback
            }
        }
        f["abs"] = { v, _, _, _ in
            switch v {
            case let .int(i): return i == Int.min ? .float(-Double(i)) : .int(abs(i))
            case let .bool(b): return .int(b ? 1 : 0)
            case let .float(d): return .float(abs(d))
            default: throw JinjaFailure("bad operand type for abs(): '\(v.typeName)'")
            }
        }
        f["unique"] = { v, args, kwargs, _ in
            let caseSensitive = arg(args, kwargs, 0, "case_sensitive")?.isTruthy ?? false
            let attribute = arg(args, kwargs, 1, "attribute")
            var seen: [JinjaValue] = [], out: [JinjaValue] = []
            for item in try v.iterated() {
                let key = sortKey(try attributePath(item, attribute), caseSensitive: caseSensitive)
                switch key {
                case .list, .dict, .namespace: throw JinjaFailure("unhashable type: '\(key.typeName)'")
                default: break
                }
                if !seen.contains(where: { $0.pythonEquals(key) }) { seen.append(key); out.append(item) }
            }
            return .list(out)
        }
        f["sort"] = { v, args, kwargs, _ in
            let reverse = arg(args, kwargs, 0, "reverse")?.isTruthy ?? false
            let caseSensitive = arg(args, kwargs, 1, "case_sensitive")?.isTruthy ?? false
            let attribute = arg(args, kwargs, 2, "attribute")
            let keyed = try v.iterated().map { (sortKey(try attributePath($0, attribute), caseSensitive: caseSensitive), $0) }
            var failure: Error?
            // A stable sort, as Python's sorted() is.
            let sorted = keyed.enumerated().sorted { a, b in
                do {
                    if try a.element.0.pythonLess(b.element.0) { return !reverse }
                    if try b.element.0.pythonLess(a.element.0) { return reverse }
                } catch { failure = error }
                return a.offset < b.offset
            }
            if let failure { throw failure }
            return .list(sorted.map { $0.element.1 })
        }
        f["indent"] = { v, args, kwargs, _ in
            let width = arg(args, kwargs, 0, "width")
            let prefix: String
            // Python's `" " * n` is empty for n < 0.
            if case let .string(s)? = width { prefix = s } else {
                let n = max(0, width?.integerValue ?? 4)
                try JinjaBounds.checkString(n, "indent")
                prefix = String(repeating: " ", count: n)
            }
            let first = arg(args, kwargs, 1, "first")?.isTruthy ?? false
            let blank = arg(args, kwargs, 2, "blank")?.isTruthy ?? false
            // Jinja appends a newline before splitting, so a trailing newline survives and the last line counts;
            // that `s += "\n"` is also why a non-string fails.
            guard case let .string(source) = v else { throw JinjaFailure("indent needs a string, not \(v.typeName)") }
            var lines = (source + "\n").components(separatedBy: "\n")
            lines.removeLast()
            let (widened, overflow) = prefix.utf8.count.multipliedReportingOverflow(by: lines.count + 1)
            try JinjaBounds.checkString(overflow ? Int.max : widened + source.utf8.count, "indent")
            var result: String
            if blank {
                result = lines.joined(separator: "\n" + prefix)
            } else {
                result = lines.isEmpty ? "" : lines[0]
                if lines.count > 1 {
                    result += "\n" + lines[1...].map { $0.isEmpty ? $0 : prefix + $0 }.joined(separator: "\n")
                }
            }
            return .string(first ? prefix + result : result)
        }
        f["safe"] = { v, _, _, _ in v }
        let escape: Filter = { v, _, _, _ in
            var out = ""
            for c in text(v) {
                switch c {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&#34;"
                case "'": out += "&#39;"
                default: out.append(c)
                }
            }
            return .string(out)
        }
        f["e"] = escape
        f["escape"] = escape
        f["map"] = { v, args, kwargs, evaluator in
            // Jinja's map, select and friends skip a falsy input (`if value:`) before iterating it.
            let items = v.isTruthy ? try v.iterated() : []
            if let attribute = kwargs["attribute"] {
                let fallback = kwargs["default"]
                return .list(try items.map { item in
                    let x = try attributePath(item, attribute)
                    return x.isUndefined ? (fallback ?? x) : x
                })
            }
            guard let name = args.first?.pythonString, let filter = table[name] else {
                throw JinjaFailure("map needs attribute= or the name of a known filter")
            }
            return .list(try items.map { try filter($0, Array(args.dropFirst()), JinjaDict(), evaluator) })
        }
        func selecting(attribute: Bool, keep: Bool) -> Filter {
            return { v, args, _, _ in
                var rest = args[...]
                var path: JinjaValue?
                if attribute {
                    guard let a = rest.popFirst() else { throw JinjaFailure("selectattr needs an attribute name") }
                    path = a
                }
                var test: JinjaIsTests.Test = { x, _ in x.isTruthy }
                var testArgs: [JinjaValue] = []
                if let name = rest.popFirst() {
                    guard let t = JinjaIsTests.table[name.pythonString] else {
                        throw JinjaFailure("no test named '\(name.pythonString)'")
                    }
                    test = t
                    testArgs = Array(rest)
                }
                return .list(try (v.isTruthy ? v.iterated() : []).filter { item in
                    try test(try attributePath(item, path), testArgs) == keep
                })
            }
        }
        f["selectattr"] = selecting(attribute: true, keep: true)
        f["rejectattr"] = selecting(attribute: true, keep: false)
        f["select"] = selecting(attribute: false, keep: true)
        f["reject"] = selecting(attribute: false, keep: false)
        f["min"] = { v, _, _, _ in
            try v.iterated().reduce(nil as JinjaValue?) { m, x in try m.map { try x.pythonLess($0) ? x : $0 } ?? x }
                ?? .undefined("no minimum, sequence was empty")
        }
        f["max"] = { v, _, _, _ in
            try v.iterated().reduce(nil as JinjaValue?) { m, x in try m.map { try $0.pythonLess(x) ? x : $0 } ?? x }
                ?? .undefined("no maximum, sequence was empty")
        }
        f["sum"] = { v, _, _, _ in try v.iterated().reduce(JinjaValue.int(0)) { try JinjaOperators.binary("+", $0, $1) } }
        f["wordcount"] = { v, _, _, _ in .int(try JinjaMethods.split(text(v), sep: nil, maxsplit: -1, fromRight: false).count) }
        return f
    }()

    /// Jinja's `title` filter: the first letter of each word (after whitespace, `-`, or an opening bracket) raised,
    /// the rest lowered.
    static func jinjaTitle(_ s: String) -> String {
        var out = "", atWordStart = true
        for c in s {
            let isSeparator = c.isWhitespace || "-([{<".contains(c)
            if isSeparator { out.append(c); atWordStart = true; continue }
            out += atWordStart ? c.uppercased() : c.lowercased()
            atWordStart = false
        }
        return out
    }
}
