/// One lexical token of a template: literal text between tags, a tag delimiter, or a piece of an expression.
struct JinjaToken {
    enum Kind: Equatable {
        /// Literal template text, already trimmed by whitespace control.
        case text(String)
        /// `{{` … `}}`
        case variableBegin, variableEnd
        /// `{%` … `%}`
        case blockBegin, blockEnd
        /// An identifier (keywords such as `if`, `and`, `true` are names too; the parser tells them apart).
        case name(String)
        /// A string literal with its escapes resolved.
        case string(String)
        case integer(Int)
        case float(Double)
        /// An operator or punctuation: `+`, `//`, `==`, `(`, `|`, …
        case op(String)
        case end
    }
    let kind: Kind
    let line: Int
    let column: Int
}

/// Splits template source into tokens the way Jinja's lexer does with the options transformers uses
/// (`trim_blocks=True`, `lstrip_blocks=True`, `keep_trailing_newline=False`):
/// - `{%-`/`{{-`/`{#-` strip all whitespace before the tag, `-%}`/`-}}`/`-#}` all whitespace after it;
/// - a block or comment tag alone on its line loses the indentation before it (lstrip_blocks, unless `{%+`);
/// - one newline right after `%}` or `#}` is dropped (trim_blocks, unless `+%}`);
/// - `\r\n` and `\r` become `\n`, and one trailing newline at the end of the template is dropped.
struct JinjaLexer {
    private let s: [Unicode.Scalar]
    private var i = 0
    private var line = 1
    private var column = 1
    private var tokens: [JinjaToken] = []
    private let trimBlocks: Bool
    private let lstripBlocks: Bool

    init(_ source: String, trimBlocks: Bool = true, lstripBlocks: Bool = true) {
        // One pass over the scalars (Foundation's `replacingOccurrences`, twice, was a third of a small template's
        // compile time): `\r\n` and a lone `\r` become `\n`, then one trailing newline goes.
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(source.utf8.count)
        var afterCR = false
        for c in source.unicodeScalars {
            if c == "\n", afterCR { afterCR = false; continue }
            afterCR = c == "\r"
            scalars.append(afterCR ? "\n" : c)
        }
        if scalars.last == "\n" { scalars.removeLast() }
        s = scalars
        self.trimBlocks = trimBlocks
        self.lstripBlocks = lstripBlocks
    }

    /// Unicode's White_Space, answered without the property tables for ASCII (tab to carriage return, space).
    static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        c.isASCII ? (c.value >= 0x09 && c.value <= 0x0D) || c.value == 0x20 : c.properties.isWhitespace
    }

    /// Unicode's Alphabetic, answered without the property tables for ASCII (the 52 letters).
    static func isAlphabetic(_ c: Unicode.Scalar) -> Bool {
        c.isASCII ? (c.value | 0x20) >= 0x61 && (c.value | 0x20) <= 0x7A : c.properties.isAlphabetic
    }

    /// All tokens, ending with `.end`.
    mutating func tokenize() throws -> [JinjaToken] {
        var lineStarting = true
        while i < s.count {
            guard let j = nextTagStart(from: i) else {
                emitText(from: i, to: s.count)
                break
            }
            let kind = s[j + 1]
            let sign: Unicode.Scalar? = (j + 2 < s.count && (s[j + 2] == "-" || s[j + 2] == "+")) ? s[j + 2] : nil
            var textEnd = j
            if sign == "-" {
                while textEnd > i, Self.isWhitespace(s[textEnd - 1]) { textEnd -= 1 }
            } else if sign != "+", lstripBlocks, kind != "{" {
                var lineStart = j
                while lineStart > i, s[lineStart - 1] != "\n" { lineStart -= 1 }
                if lineStart > i || lineStarting, lineStart < j, s[lineStart..<j].allSatisfy({ Self.isWhitespace($0) }) {
                    textEnd = lineStart
                }
            }
            emitText(from: i, to: textEnd)
            advance(to: j)
            let tagLine = line, tagColumn = column
            advance(to: j + 2 + (sign == nil ? 0 : 1))
            switch kind {
            case "#":
                guard let close = find("#", "}", from: i) else {
                    throw ChatTemplateError.syntax(line: tagLine, column: tagColumn, message: "missing end of comment tag")
                }
                advance(to: close + 2)
                lineStarting = trimAfterTag(signBefore: close > 0 ? s[close - 1] : nil)
            case "{":
                tokens.append(JinjaToken(kind: .variableBegin, line: tagLine, column: tagColumn))
                try lexExpression(closing: "}", openLine: tagLine, openColumn: tagColumn)
                lineStarting = i > 0 && s[i - 1] == "\n"
            default:
                if try lexRaw(openLine: tagLine, openColumn: tagColumn) {
                    lineStarting = i > 0 && s[i - 1] == "\n"
                    continue
                }
                tokens.append(JinjaToken(kind: .blockBegin, line: tagLine, column: tagColumn))
                try lexExpression(closing: "%", openLine: tagLine, openColumn: tagColumn)
                lineStarting = i > 0 && s[i - 1] == "\n"
            }
        }
        tokens.append(JinjaToken(kind: .end, line: line, column: column))
        return tokens
    }

    /// `{% raw %}…{% endraw %}`: the body is text, tags and all. As in Jinja, `-%}` after `raw` strips the
    /// whitespace that follows (there is no trim_blocks newline removal there), and `{%- endraw` strips before.
    private mutating func lexRaw(openLine: Int, openColumn: Int) throws -> Bool {
        var j = i
        while j < s.count, Self.isWhitespace(s[j]) { j += 1 }
        guard j + 3 <= s.count, String(String.UnicodeScalarView(s[j..<(j + 3)])) == "raw" else { return false }
        j += 3
        while j < s.count, Self.isWhitespace(s[j]) { j += 1 }
        var stripAfter = false
        if j + 2 < s.count, s[j] == "-", s[j + 1] == "%", s[j + 2] == "}" { stripAfter = true; j += 3 }
        else if j + 1 < s.count, s[j] == "%", s[j + 1] == "}" { j += 2 }
        else { return false }
        if stripAfter { while j < s.count, Self.isWhitespace(s[j]) { j += 1 } }
        let bodyStart = j
        // Find `{%[-+]? endraw [-+]?%}`.
        var k = j
        while true {
            guard let open = find("{", "%", from: k) else {
                throw ChatTemplateError.syntax(line: openLine, column: openColumn, message: "missing end of raw directive")
            }
            var m = open + 2
            let sign: Unicode.Scalar? = m < s.count && (s[m] == "-" || s[m] == "+") ? s[m] : nil
            if sign != nil { m += 1 }
            while m < s.count, Self.isWhitespace(s[m]) { m += 1 }
            if m + 6 <= s.count, String(String.UnicodeScalarView(s[m..<(m + 6)])) == "endraw" {
                m += 6
                while m < s.count, Self.isWhitespace(s[m]) { m += 1 }
                let closeSign: Unicode.Scalar? = m < s.count && (s[m] == "-" || s[m] == "+") ? s[m] : nil
                let closeAt = m + (closeSign == nil ? 0 : 1)
                if closeAt + 1 < s.count, s[closeAt] == "%", s[closeAt + 1] == "}" {
                    var bodyEnd = open
                    if sign == "-" {
                        while bodyEnd > bodyStart, Self.isWhitespace(s[bodyEnd - 1]) { bodyEnd -= 1 }
                    } else if sign != "+", lstripBlocks {
                        var lineStart = open
                        while lineStart > bodyStart, s[lineStart - 1] != "\n" { lineStart -= 1 }
                        if lineStart > bodyStart, s[lineStart..<open].allSatisfy({ Self.isWhitespace($0) }) { bodyEnd = lineStart }
                    }
                    advance(to: bodyStart)
                    emitText(from: bodyStart, to: bodyEnd)
                    advance(to: closeAt + 2)
                    _ = trimAfterTag(signBefore: closeSign)
                    return true
                }
            }
            k = open + 2
        }
    }

    private func nextTagStart(from start: Int) -> Int? {
        var j = start
        while j + 1 < s.count {
            if s[j] == "{", s[j + 1] == "{" || s[j + 1] == "%" || s[j + 1] == "#" { return j }
            j += 1
        }
        return nil
    }

    /// Where the two-scalar delimiter `first second` (`#}`, `{%`) next starts, compared in place.
    private func find(_ first: Unicode.Scalar, _ second: Unicode.Scalar, from start: Int) -> Int? {
        var j = start
        while j + 1 < s.count {
            if s[j] == first, s[j + 1] == second { return j }
            j += 1
        }
        return nil
    }

    private mutating func emitText(from a: Int, to b: Int) {
        if b > a {
            tokens.append(JinjaToken(kind: .text(string(a, b)), line: line, column: column))
        }
        advance(to: max(b, i))
    }

    /// The scalars `a..<b` as a String, encoded into one buffer (appending them one by one to a
    /// `String.UnicodeScalarView` was a tenth of a template's compile time).
    private func string(_ a: Int, _ b: Int) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(b - a)
        for k in a..<b {
            let c = s[k]
            if c.isASCII { bytes.append(UInt8(truncatingIfNeeded: c.value)) } else { UTF8.encode(c) { bytes.append($0) } }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Moves to `target`, counting lines and columns.
    private mutating func advance(to target: Int) {
        while i < target {
            if s[i] == "\n" { line += 1; column = 1 } else { column += 1 }
            i += 1
        }
    }

    /// After a closing delimiter: `-` strips all following whitespace, `+` nothing, otherwise trim_blocks drops one
    /// newline. Returns whether the next text starts a line (for lstrip_blocks).
    private mutating func trimAfterTag(signBefore: Unicode.Scalar?) -> Bool {
        if signBefore == "-" {
            var j = i
            while j < s.count, Self.isWhitespace(s[j]) { j += 1 }
            advance(to: j)
        } else if signBefore != "+", trimBlocks, i < s.count, s[i] == "\n" {
            advance(to: i + 1)
        }
        return i > 0 && s[i - 1] == "\n"
    }

    /// Lexes expression tokens until the tag's closing delimiter (`}}` or `%}`), outside any brackets.
    private mutating func lexExpression(closing: Unicode.Scalar, openLine: Int, openColumn: Int) throws {
        var depth = 0
        while true {
            while i < s.count, Self.isWhitespace(s[i]) { advance(to: i + 1) }
            guard i < s.count else {
                throw ChatTemplateError.syntax(line: openLine, column: openColumn,
                                               message: "tag is never closed (expected '\(closing)}')")
            }
            let c = s[i]
            let next: Unicode.Scalar? = i + 1 < s.count ? s[i + 1] : nil
            let afterNext: Unicode.Scalar? = i + 2 < s.count ? s[i + 2] : nil
            if depth == 0 {
                if c == closing, next == "}" {
                    tokens.append(JinjaToken(kind: closing == "}" ? .variableEnd : .blockEnd, line: line, column: column))
                    advance(to: i + 2)
                    if closing == "%" { _ = trimAfterTag(signBefore: nil) }
                    return
                }
                if (c == "-" || (c == "+" && closing == "%")), next == closing, afterNext == "}" {
                    tokens.append(JinjaToken(kind: closing == "}" ? .variableEnd : .blockEnd, line: line, column: column))
                    advance(to: i + 3)
                    if c == "-" || closing == "%" { _ = trimAfterTag(signBefore: c) }
                    return
                }
            }
            let tokLine = line, tokColumn = column
            if c == "'" || c == "\"" {
                let text = try lexString(quote: c)
                tokens.append(JinjaToken(kind: .string(text), line: tokLine, column: tokColumn))
            } else if ("0"..."9").contains(c) {
                tokens.append(JinjaToken(kind: lexNumber(), line: tokLine, column: tokColumn))
            } else if c == "_" || Self.isAlphabetic(c) {
                var j = i
                while j < s.count, s[j] == "_" || Self.isAlphabetic(s[j]) || ("0"..."9").contains(s[j]) { j += 1 }
                let name = string(i, j)
                advance(to: j)
                tokens.append(JinjaToken(kind: .name(name), line: tokLine, column: tokColumn))
            } else {
                let op: String
                if let n = next, Self.isTwoScalarOperator(c, n) { op = String(c) + String(n) }
                else if Self.isOneScalarOperator(c) { op = String(c) }
                else {
                    throw ChatTemplateError.syntax(line: tokLine, column: tokColumn, message: "unexpected character '\(c)'")
                }
                if op == "(" || op == "[" || op == "{" { depth += 1 }
                if op == ")" || op == "]" || op == "}" { depth = max(0, depth - 1) }
                advance(to: i + op.unicodeScalars.count)
                tokens.append(JinjaToken(kind: .op(op), line: tokLine, column: tokColumn))
            }
        }
    }

    /// `//`, `**`, `==`, `!=`, `<=`, `>=`.
    private static func isTwoScalarOperator(_ c: Unicode.Scalar, _ n: Unicode.Scalar) -> Bool {
        switch (c, n) {
        case ("/", "/"), ("*", "*"), ("=", "="), ("!", "="), ("<", "="), (">", "="): return true
        default: return false
        }
    }

    /// One of `+-*/%~()[]{},.:|=<>`.
    private static func isOneScalarOperator(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "+", "-", "*", "/", "%", "~", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", "=", "<", ">": return true
        default: return false
        }
    }

    /// A quoted string with Python's escapes (`\n`, `\t`, `\\`, `\'`, `\uXXXX`, …); unknown escapes stay as written.
    private mutating func lexString(quote: Unicode.Scalar) throws -> String {
        let startLine = line, startColumn = column
        var out = String.UnicodeScalarView()
        var j = i + 1
        while true {
            guard j < s.count else {
                throw ChatTemplateError.syntax(line: startLine, column: startColumn, message: "unterminated string literal")
            }
            let c = s[j]
            if c == quote { break }
            if c == "\\", j + 1 < s.count {
                let e = s[j + 1]
                j += 2
                switch e {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "0": out.append("\0")
                case "a": out.append("\u{07}")
                case "b": out.append("\u{08}")
                case "f": out.append("\u{0C}")
                case "v": out.append("\u{0B}")
                case "\\", "'", "\"": out.append(e)
                case "\n": break
                case "x", "u", "U":
                    let width = e == "x" ? 2 : (e == "u" ? 4 : 8)
                    var hex = ""
                    while hex.count < width, j < s.count, s[j].properties.isASCIIHexDigit { hex.unicodeScalars.append(s[j]); j += 1 }
                    guard hex.count == width, let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) else {
                        throw ChatTemplateError.syntax(line: startLine, column: startColumn, message: "bad \\\(e) escape in string")
                    }
                    out.append(scalar)
                default: out.append("\\"); out.append(e)
                }
                continue
            }
            out.append(c)
            j += 1
        }
        advance(to: j + 1)
        return String(out)
    }

    /// An integer (`42`, `1_000`) or a float (`1.5`, `2e3`, `1.5e-3`).
    private mutating func lexNumber() -> JinjaToken.Kind {
        var j = i
        func digits() { while j < s.count, ("0"..."9").contains(s[j]) || (s[j] == "_" && j + 1 < s.count && ("0"..."9").contains(s[j + 1])) { j += 1 } }
        digits()
        var isFloat = false
        if j + 1 < s.count, s[j] == ".", ("0"..."9").contains(s[j + 1]) { isFloat = true; j += 1; digits() }
        if j < s.count, s[j] == "e" || s[j] == "E" {
            var k = j + 1
            if k < s.count, s[k] == "+" || s[k] == "-" { k += 1 }
            if k < s.count, ("0"..."9").contains(s[k]) { isFloat = true; j = k; digits() }
        }
        let clean = string(i, j).replacingOccurrences(of: "_", with: "")
        advance(to: j)
        if isFloat { return .float(Double(clean) ?? 0) }
        if let v = Int(clean) { return .integer(v) }
        return .float(Double(clean) ?? 0)
    }
}
