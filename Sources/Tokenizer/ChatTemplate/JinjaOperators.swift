import Foundation

/// Arithmetic and comparison with Python's rules (`/` is always a float, `//` and `%` floor, `+` joins strings and
/// lists, `~` joins the `str()` of both sides); using Undefined in arithmetic is an error, as with Jinja's default.
enum JinjaOperators {
    static func binary(_ op: String, _ a: JinjaValue, _ b: JinjaValue) throws -> JinjaValue {
        if op == "~" { return .string(a.pythonString + b.pythonString) }
        // Python runs `str % x` itself, and Undefined passes as a (lenient) mapping there.
        if op == "%", case let .string(x) = a { return .string(try percentFormat(x, b)) }
        if case let .undefined(hint) = a { throw JinjaFailure(hint) }
        if case let .undefined(hint) = b { throw JinjaFailure(hint) }
        switch (op, a, b) {
        case let ("+", .string(x), .string(y)): return .string(x + y)
        case let ("+", .list(x), .list(y)): return .list(x + y)
        case let ("+", .tuple(x), .tuple(y)): return .tuple(x + y)
        case let ("*", .tuple(x), _) where b.integerValue != nil:
            return .tuple(Array(repeating: x, count: try repetitions(b.integerValue!, x.count)).flatMap { $0 })
        case let ("*", .string(x), _) where b.integerValue != nil:
            return .string(String(repeating: x, count: try repetitions(b.integerValue!, x.utf8.count)))
        case let ("*", .list(x), _) where b.integerValue != nil:
            return .list(Array(repeating: x, count: try repetitions(b.integerValue!, x.count)).flatMap { $0 })
        case let ("*", _, .string(y)) where a.integerValue != nil:
            return .string(String(repeating: y, count: try repetitions(a.integerValue!, y.utf8.count)))
        case let ("*", _, .list(y)) where a.integerValue != nil:
            return .list(Array(repeating: y, count: try repetitions(a.integerValue!, y.count)).flatMap { $0 })
        case let ("*", _, .tuple(y)) where a.integerValue != nil:
            return .tuple(Array(repeating: y, count: try repetitions(a.integerValue!, y.count)).flatMap { $0 })
        case let ("%", .string(x), _): return .string(try percentFormat(x, b))
        default: break
        }
        if let i = a.integerValue, let j = b.integerValue {
            // Python's ints are unbounded; ours are 64-bit, so an overflow is an error rather than a wrong number.
            func checked(_ r: (partialValue: Int, overflow: Bool)) throws -> JinjaValue {
                if r.overflow { throw JinjaFailure("integer overflow in \(i) \(op) \(j)") }
                return .int(r.partialValue)
            }
            switch op {
            case "+": return try checked(i.addingReportingOverflow(j))
            case "-": return try checked(i.subtractingReportingOverflow(j))
            case "*": return try checked(i.multipliedReportingOverflow(by: j))
            case "/":
                guard j != 0 else { throw JinjaFailure("division by zero") }
                return .float(Double(i) / Double(j))
            case "//", "%":
                guard j != 0 else { throw JinjaFailure("integer division or modulo by zero") }
                let q = i.dividedReportingOverflow(by: j), r = i.remainderReportingOverflow(dividingBy: j)
                if q.overflow || r.overflow { throw JinjaFailure("integer overflow in \(i) \(op) \(j)") }
                let adjust = r.partialValue != 0 && (r.partialValue < 0) != (j < 0)
                if op == "%" { return .int(adjust ? r.partialValue + j : r.partialValue) }
                return .int(adjust ? q.partialValue - 1 : q.partialValue)
            case "**":
                if j < 0 {
                    guard i != 0 else { throw JinjaFailure("0.0 cannot be raised to a negative power") }
                    return .float(pow(Double(i), Double(j)))
                }
                var result = 1, base = i, exponent = j
                while exponent > 0 {
                    if exponent & 1 == 1 {
                        let m = result.multipliedReportingOverflow(by: base)
                        if m.overflow { throw JinjaFailure("integer overflow in \(i) ** \(j)") }
                        result = m.partialValue
                    }
                    exponent >>= 1
                    if exponent > 0 {
                        let m = base.multipliedReportingOverflow(by: base)
                        if m.overflow { throw JinjaFailure("integer overflow in \(i) ** \(j)") }
                        base = m.partialValue
                    }
                }
                return .int(result)
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
            case "**":
                guard x != 0 || y >= 0 else { throw JinjaFailure("0.0 cannot be raised to a negative power") }
                return .float(pow(x, y))
            default: break
            }
        }
        throw JinjaFailure("unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'")
    }

    /// A repeat count for `text * n` or `list * n`, refusing results past `ChatTemplateLimits.maxStringBytes`
    /// bytes or `maxItems` items (a template bug, not a prompt) before they are built.
    private static func repetitions(_ n: Int, _ size: Int) throws -> Int {
        guard n > 0 else { return 0 }
        if size > 0, n > min(ChatTemplateLimits.maxStringBytes, ChatTemplateLimits.maxItems) / size {
            throw JinjaFailure("repetition by \(n) is too large")
        }
        return n
    }

    /// `'%s and %d' % (a, b)` with `%s`, `%d`, `%i`, `%r` and `%%`.
    private static func percentFormat(_ format: String, _ values: JinjaValue) throws -> String {
        var args: [JinjaValue]
        if case let .tuple(l) = values { args = l } else { args = [values] }
        // Python lets a right side with __getitem__ (a dict, a list) go unused: 'x' % {'a': 1} is 'x'.
        var isMapping = false
        switch values { case .dict, .list, .undefined: isMapping = true; default: break }
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
                guard let n = v.numericValue, abs(n) < 9e18 else { throw JinjaFailure("%d format: a number is required, not \(v.typeName)") }
                out += String(v.integerValue ?? Int(n))
            default: throw JinjaFailure("unsupported format character '\(spec)'")
            }
        }
        // A lone non-tuple right side that no specifier used is an error, as is any leftover tuple item; an empty
        // tuple (`'100%%' % ()`) is fine.
        if !args.isEmpty, !isMapping { throw JinjaFailure("not all arguments converted during string formatting") }
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
        case let .list(l), let .tuple(l): return l.contains { $0.pythonEquals(needle) }
        case let .dict(d):
            switch needle {
            case let .string(k): return d[k] != nil
            case .list, .dict, .namespace: throw JinjaFailure("unhashable type: '\(needle.typeName)'")
            default: return false
            }
        case let .namespace(ns):
            if case let .string(k) = needle { return ns.dict[k] != nil }
            return false
        case .undefined: return false
        default: throw JinjaFailure("argument of type '\(container.typeName)' is not iterable")
        }
    }
}
