/// Python's `str()` and `repr()` of a parsed literal, digit for digit — the GRPO reference code turns every
/// GlobalOpinionQA option into text with `str()`, so an option `1.0` must read "1.0" (not "1") and `3` must read "3".
extension PythonLiteral {
    /// What Python's `str()` prints: a string as itself, anything else as its `repr()`.
    public var pythonStr: String {
        if case let .string(s) = self { return s }
        return pythonRepr
    }

    /// What Python's `repr()` prints. Tuples were read as lists, so they print with brackets.
    public var pythonRepr: String {
        switch self {
        case let .string(s): return PythonLiteral.stringRepr(s)
        case let .number(x): return PythonLiteral.floatRepr(x)
        case let .integer(n): return String(n)
        case let .bool(b): return b ? "True" : "False"
        case .none: return "None"
        case let .list(items): return "[" + items.map(\.pythonRepr).joined(separator: ", ") + "]"
        case let .dict(pairs): return "{" + pairs.map { "\($0.0.pythonRepr): \($0.1.pythonRepr)" }.joined(separator: ", ") + "}"
        }
    }

    /// `repr(float)`: the shortest digits that round-trip, in fixed notation when the decimal point falls within
    /// 16 digits after or 4 before the first digit (`0.0001`, `1000000000000000.0`), else scientific with a signed,
    /// at least two-digit exponent (`1e-05`, `1e+16`); `nan`, `inf`, `-inf`; always a `.0` on a whole number.
    public static func floatRepr(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        let sign = x.sign == .minus ? "-" : ""
        // Swift's description is also the shortest round-trip form; only its layout differs from Python's.
        let text = abs(x).description
        let parts = text.split(separator: "e", maxSplits: 1)
        let mantissa = Array(parts[0])
        let exponent = parts.count > 1 ? Int(parts[1])! : 0
        let point = mantissa.firstIndex(of: ".") ?? mantissa.count
        var digits = mantissa.filter { $0 != "." }
        var decimalPoint = point + exponent            // digits[0 ..< decimalPoint] lie before the point
        while digits.count > 1, digits.first == "0" { digits.removeFirst(); decimalPoint -= 1 }
        while digits.count > 1, digits.last == "0" { digits.removeLast() }
        if digits == ["0"] { return sign + "0.0" }
        let d = String(digits)
        if decimalPoint <= -4 || decimalPoint > 16 {
            let e = decimalPoint - 1
            let rest = d.dropFirst()
            let magnitude = String(abs(e))
            return sign + String(d.prefix(1)) + (rest.isEmpty ? "" : "." + rest) + "e" + (e < 0 ? "-" : "+")
                + (magnitude.count < 2 ? "0" : "") + magnitude
        }
        if decimalPoint <= 0 { return sign + "0." + String(repeating: "0", count: -decimalPoint) + d }
        if decimalPoint >= d.count { return sign + d + String(repeating: "0", count: decimalPoint - d.count) + ".0" }
        return sign + String(d.prefix(decimalPoint)) + "." + String(d.dropFirst(decimalPoint))
    }

    /// `repr(str)`: single quotes unless the text holds a `'` and no `"`; backslash escapes for the quote, the
    /// backslash, tab, newline, carriage return and other unprintable characters (`\xNN`, `\uNNNN`, `\UNNNNNNNN`).
    public static func stringRepr(_ s: String) -> String {
        let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default:
                if Character(scalar) == quote { out += "\\" + String(quote); continue }
                if isPrintable(scalar) { out.unicodeScalars.append(scalar); continue }
                let v = scalar.value
                let (prefix, width) = v < 0x100 ? ("\\x", 2) : v < 0x10000 ? ("\\u", 4) : ("\\U", 8)
                let hex = String(v, radix: 16)
                out += prefix + String(repeating: "0", count: width - hex.count) + hex
            }
        }
        return out + String(quote)
    }

    /// Python's `str.isprintable` for one character: not a control, format, surrogate, private-use, unassigned
    /// or separator character, except the ASCII space.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }
}
