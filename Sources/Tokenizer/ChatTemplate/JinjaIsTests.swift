/// Jinja's tests (`x is defined`, `n is divisibleby 3`, …) with the semantics of Jinja's `tests.py` on Python
/// values: `number` includes bools, `integer` excludes them, `true`/`false` are identity checks on bools.
enum JinjaIsTests {
    typealias Test = (_ value: JinjaValue, _ args: [JinjaValue]) throws -> Bool

    private static func argument(_ args: [JinjaValue], _ name: String) throws -> JinjaValue {
        guard let a = args.first else { throw JinjaFailure("test '\(name)' needs an argument") }
        return a
    }

    static let table: [String: Test] = {
        var t: [String: Test] = [:]
        t["defined"] = { v, _ in !v.isUndefined }
        t["undefined"] = { v, _ in v.isUndefined }
        t["none"] = { v, _ in if case .none = v { return true } else { return false } }
        t["string"] = { v, _ in if case .string = v { return true } else { return false } }
        t["mapping"] = { v, _ in if case .dict = v { return true } else { return false } }
        t["iterable"] = { v, _ in
            switch v { case .undefined, .string, .list, .tuple, .dict: return true; default: return false }
        }
        t["sequence"] = { v, _ in
            switch v { case .undefined, .string, .list, .tuple, .dict: return true; default: return false }
        }
        t["number"] = { v, _ in v.numericValue != nil }
        t["integer"] = { v, _ in if case .int = v { return true } else { return false } }
        t["float"] = { v, _ in if case .float = v { return true } else { return false } }
        t["boolean"] = { v, _ in if case .bool = v { return true } else { return false } }
        t["true"] = { v, _ in if case .bool(true) = v { return true } else { return false } }
        t["false"] = { v, _ in if case .bool(false) = v { return true } else { return false } }
        t["callable"] = { v, _ in if case .function = v { return true } else { return false } }
        // Jinja computes these with Python's `%`, so floats work too (2.5 is neither odd nor even).
        t["even"] = { v, _ in try JinjaOperators.binary("%", v, .int(2)).pythonEquals(.int(0)) }
        t["odd"] = { v, _ in try JinjaOperators.binary("%", v, .int(2)).pythonEquals(.int(1)) }
        t["divisibleby"] = { v, args in try JinjaOperators.binary("%", v, try argument(args, "divisibleby")).pythonEquals(.int(0)) }
        let equal: Test = { v, args in v.pythonEquals(try argument(args, "equalto")) }
        t["equalto"] = equal
        t["eq"] = equal
        t["=="] = equal
        t["sameas"] = { v, args in
            let other = try argument(args, "sameas")
            switch (v, other) {
            case (.none, .none): return true
            case let (.bool(a), .bool(b)): return a == b
            case let (.namespace(a), .namespace(b)): return a === b
            default: return false
            }
        }
        t["ne"] = { v, args in !v.pythonEquals(try argument(args, "ne")) }
        t["lt"] = { v, args in try v.pythonLess(try argument(args, "lt")) }
        t["gt"] = { v, args in try argument(args, "gt").pythonLess(v) }
        t["le"] = { v, args in let o = try argument(args, "le"); return try v.pythonLess(o) || v.pythonEquals(o) }
        t["ge"] = { v, args in let o = try argument(args, "ge"); return try o.pythonLess(v) || v.pythonEquals(o) }
        t["in"] = { v, args in try JinjaOperators.contains(try argument(args, "in"), v) }
        t["lower"] = { v, _ in if case let .string(s) = v { return s == s.lowercased() } else { return false } }
        t["upper"] = { v, _ in if case let .string(s) = v { return s == s.uppercased() } else { return false } }
        return t
    }()
}
