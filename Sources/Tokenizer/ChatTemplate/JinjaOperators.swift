import Foundation

/// Arithmetic and comparison with Python's rules (`/` is always a float, `//` and `%` floor, `+` joins strings and
/// lists, `~` joins the `str()` of both sides); using Undefined in arithmetic is an error, as with Jinja's default.
enum JinjaOperators {
    static func binary(_ op: String, _ a: JinjaValue, _ b: JinjaValue) throws -> JinjaValue {
        if op == "~" { return .string(a.pythonString + b.pythonString) }
        if case let .undefined(hint) = a { throw JinjaFailure(hint) }
        if case let .undefined(hint) = b { throw JinjaFailure(hint) }
        switch (op, a, b) {
        case let ("+", .string(x), .string(y)): return .string(x + y)
        case let ("+", .list(x), .list(y)): return .list(x + y)
        case let ("*", .string(x), _) where b.integerValue != nil:
            return .string(String(repeating: x, count: max(0, b.integerValue!)))
        case let ("*", .list(x), _) where b.integerValue != nil:
            return .list(Array(repeating: x, count: max(0, b.integerValue!)).flatMap { $0 })
        case let ("%", .string(x), _): return .string(try percentFormat(x, b))
        default: break
        }
        if let i = a.integerValue, let j = b.integerValue {
            switch op {
            case "+": return .int(i + j)
            case "-": return .int(i - j)
            case "*": return .int(i * j)
            case "/":
                guard j != 0 else { throw JinjaFailure("division by zero") }
                return .float(Double(i) / Double(j))
            case "//":
                guard j != 0 else { throw JinjaFailure("integer division or modulo by zero") }
                return .int(Int((Double(i) / Double(j)).rounded(.down)))
            case "%":
                guard j != 0 else { throw JinjaFailure("integer division or modulo by zero") }
                let r = i % j
                return .int(r != 0 && (r < 0) != (j < 0) ? r + j : r)
            case "**":
                if j >= 0 { var r = 1; for _ in 0..<j { r *= i }; return .int(r) }
                return .float(pow(Double(i), Double(j)))
            default: break
            }
        }
        if let x = a.numericValue, let y = b.numericValue {
            switch op {
            case "+": return .float(x + y)
            case "-": return .float(x - y)
            case "*": return .float(x * y)
            case "/":
                guard y != 0 else { throw JinjaFailure("float division by zero") }
                return .float(x / y)
            case "//":
                guard y != 0 else { throw JinjaFailure("float floor division by zero") }
                return .float((x / y).rounded(.down))
            case "%":
                guard y != 0 else { throw JinjaFailure("float modulo") }
                let r = x.truncatingRemainder(dividingBy: y)
                return .float(r != 0 && (r < 0) != (y < 0) ? r + y : r)
            case "**": return .float(pow(x, y))
            default: break
            }
        }
        throw JinjaFailure("unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'")
    }

    /// `'%s and %d' % (a, b)` with `%s`, `%d`, `%i`, `%r` and `%%`.
    private static func percentFormat(_ format: String, _ values: JinjaValue) throws -> String {
        var args: [JinjaValue]
        if case let .list(l) = values { args = l } else { args = [values] }
        var out = ""
        var chars = Array(format)[...]
        while let c = chars.popFirst() {
            guard c == "%" else { out.append(c); continue }
            guard let spec = chars.popFirst() else { throw JinjaFailure("incomplete format") }
            if spec == "%" { out += "%"; continue }
            guard !args.isEmpty else { throw JinjaFailure("not enough arguments for format string") }
            let v = args.removeFirst()
            switch spec {
            case "s": out += v.pythonString
            case "r": out += v.pythonRepr
            case "d", "i":
                guard let n = v.numericValue else { throw JinjaFailure("%d format: a number is required, not \(v.typeName)") }
                out += String(Int(n))
            default: throw JinjaFailure("unsupported format character '\(spec)'")
            }
        }
        return out
    }

    static func compare(_ op: String, _ a: JinjaValue, _ b: JinjaValue) throws -> Bool {
        switch op {
        case "==": return a.pythonEquals(b)
        case "!=": return !a.pythonEquals(b)
        case "<": return try a.pythonLess(b)
        case ">": return try b.pythonLess(a)
        case "<=": return try a.pythonLess(b) || a.pythonEquals(b)
        case ">=": return try b.pythonLess(a) || a.pythonEquals(b)
        case "in": return try contains(b, a)
        case "not in": return try !contains(b, a)
        default: throw JinjaFailure("unknown comparison '\(op)'")
        }
    }

    /// Python's `needle in container`.
    static func contains(_ container: JinjaValue, _ needle: JinjaValue) throws -> Bool {
        switch container {
        case let .string(s):
            guard case let .string(n) = needle else {
                throw JinjaFailure("'in <string>' requires string as left operand, not \(needle.typeName)")
            }
            return n.isEmpty || s.contains(n)
        case let .list(l): return l.contains { $0.pythonEquals(needle) }
        case let .dict(d):
            if case let .string(k) = needle { return d[k] != nil }
            return false
        case let .namespace(ns):
            if case let .string(k) = needle { return ns.dict[k] != nil }
            return false
        case .undefined: return false
        default: throw JinjaFailure("argument of type '\(container.typeName)' is not iterable")
        }
    }
}
