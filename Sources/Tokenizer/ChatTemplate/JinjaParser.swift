/// Builds the node tree from tokens, with Jinja's operator precedence (loosest first): inline `if`, `or`, `and`,
/// `not`, comparisons and `in`, `+ -`, `~`, `* / // %`, `**`, unary `-`, then postfix `.x [i] (args)` and finally
/// filters `|f` and tests `is t` (so `a + b | trim` is `a + (b | trim)`).
///
/// Nesting is bounded by `maxNesting` (`ChatTemplateLimits`): blocks in blocks, and the parser's recursion through
/// brackets, unary operators and inline `if`s, are counted as they open, and every expression tree's depth as it
/// is built, so no template can overflow the stack here or in the evaluator.
struct JinjaParser {
    private let tokens: [JinjaToken]
    private var p = 0
    private let maxNesting: Int
    private var nesting = 0

    init(tokens: [JinjaToken], maxNesting: Int = ChatTemplateLimits.standard.maxNesting) {
        self.tokens = tokens
        self.maxNesting = maxNesting
    }

    /// One more level of recursion; the caller undoes it with `nesting -= 1` (in a `defer`).
    private mutating func nest() throws {
        guard nesting < maxNesting else {
            throw error("the template nests more than \(maxNesting) levels deep")
        }
        nesting += 1
    }

    /// An expression node, refused when its tree would be deeper than `maxNesting`.
    private func makeExpr(_ kind: JinjaExpr.Kind, line: Int) throws -> JinjaExpr {
        let e = JinjaExpr(kind, line: line)
        guard e.depth <= maxNesting else { throw error("an expression nests more than \(maxNesting) levels deep") }
        return e
    }

    /// Parses the whole template.
    mutating func parseTemplate() throws -> [JinjaNode] {
        let (nodes, stop) = try parseNodes(until: [])
        if let stop {
            throw error(at: stop, "unexpected '\(stop.name)' outside of any block")
        }
        return nodes
    }

    // MARK: statements

    private struct Stop { let name: String; let token: JinjaToken }

    private func error(at stop: Stop, _ message: String) -> ChatTemplateError {
        .syntax(line: stop.token.line, column: stop.token.column, message: message)
    }

    private func error(_ message: String, at token: JinjaToken? = nil) -> ChatTemplateError {
        let t = token ?? tokens[min(p, tokens.count - 1)]
        return .syntax(line: t.line, column: t.column, message: message)
    }

    /// Parses nodes until a block tag whose keyword is in `until` (consumed up to the keyword) or the end.
    private mutating func parseNodes(until: Set<String>) throws -> ([JinjaNode], Stop?) {
        try nest()
        defer { nesting -= 1 }
        var nodes: [JinjaNode] = []
        while true {
            let t = tokens[p]
            switch t.kind {
            case .end:
                return (nodes, nil)
            case let .text(text):
                p += 1
                nodes.append(.text(text))
            case .variableBegin:
                p += 1
                let e = try parseExpression()
                try expect(.variableEnd, "expected '}}'")
                nodes.append(.output(e))
            case .blockBegin:
                guard case let .name(keyword) = tokens[p + 1].kind else {
                    throw error("expected a tag name after '{%'", at: tokens[p + 1])
                }
                if until.contains(keyword) || ["endif", "endfor", "endmacro", "endset", "elif", "else",
                                                "endgeneration", "endraw"].contains(keyword) {
                    let stop = Stop(name: keyword, token: tokens[p + 1])
                    p += 2
                    return (nodes, stop)
                }
                p += 2
                nodes.append(try parseStatement(keyword, token: tokens[p - 1]))
            default:
                throw error("unexpected token")
            }
        }
    }

    private mutating func parseStatement(_ keyword: String, token: JinjaToken) throws -> JinjaNode {
        switch keyword {
        case "if": return try parseIf(token)
        case "for": return try parseFor(token)
        case "set": return try parseSet(token)
        case "macro": return try parseMacro(token)
        case "break": try expect(.blockEnd, "expected '%}'"); return .breakLoop
        case "continue": try expect(.blockEnd, "expected '%}'"); return .continueLoop
        case "generation":
            try expect(.blockEnd, "expected '%}'")
            let (body, stop) = try parseNodes(until: ["endgeneration"])
            try close(stop, expected: "endgeneration", opened: token)
            return .generation(body)
        default:
            throw error("unknown tag '\(keyword)'", at: token)
        }
    }

    private mutating func close(_ stop: Stop?, expected: String, opened: JinjaToken) throws {
        guard let stop else {
            throw error("'\(expected)' missing for the tag opened on line \(opened.line)", at: tokens[p])
        }
        guard stop.name == expected else { throw error(at: stop, "expected '\(expected)', found '\(stop.name)'") }
        try expect(.blockEnd, "expected '%}' after '\(expected)'")
    }

    private mutating func parseIf(_ opened: JinjaToken) throws -> JinjaNode {
        var branches: [(JinjaExpr, [JinjaNode])] = []
        var condition = try parseExpression()
        try expect(.blockEnd, "expected '%}' after the if condition")
        while true {
            let (body, stop) = try parseNodes(until: ["elif", "else", "endif"])
            branches.append((condition, body))
            guard let stop else { throw error("'endif' missing for the 'if' on line \(opened.line)", at: tokens[p]) }
            switch stop.name {
            case "elif":
                condition = try parseExpression()
                try expect(.blockEnd, "expected '%}' after the elif condition")
            case "else":
                try expect(.blockEnd, "expected '%}' after 'else'")
                let (otherwise, end) = try parseNodes(until: ["endif"])
                try close(end, expected: "endif", opened: opened)
                return .ifChain(branches, otherwise: otherwise)
            case "endif":
                try expect(.blockEnd, "expected '%}' after 'endif'")
                return .ifChain(branches, otherwise: [])
            default:
                throw error(at: stop, "expected 'elif', 'else' or 'endif', found '\(stop.name)'")
            }
        }
    }

    private mutating func parseFor(_ opened: JinjaToken) throws -> JinjaNode {
        var names = [try expectName("expected a loop variable after 'for'")]
        while accept(.op(",")) { names.append(try expectName("expected a loop variable after ','")) }
        guard acceptName("in") else { throw error("expected 'in' in the for tag") }
        let iterable = try parseOr(allowConditional: false)
        var condition: JinjaExpr?
        if acceptName("if") { condition = try parseOr(allowConditional: false) }
        _ = acceptName("recursive")
        try expect(.blockEnd, "expected '%}' after the for tag")
        let (body, stop) = try parseNodes(until: ["else", "endfor"])
        guard let stop else { throw error("'endfor' missing for the 'for' on line \(opened.line)", at: tokens[p]) }
        var otherwise: [JinjaNode] = []
        if stop.name == "else" {
            try expect(.blockEnd, "expected '%}' after 'else'")
            let (rest, end) = try parseNodes(until: ["endfor"])
            try close(end, expected: "endfor", opened: opened)
            otherwise = rest
        } else {
            try close(stop, expected: "endfor", opened: opened)
        }
        return .forLoop(target: names, iterable: iterable, condition: condition, body: body, otherwise: otherwise,
                        line: opened.line)
    }

    private mutating func parseSet(_ opened: JinjaToken) throws -> JinjaNode {
        let first = try expectName("expected a name after 'set'")
        var target = JinjaTarget.names([first])
        if accept(.op(".")) {
            target = .attribute(first, try expectName("expected an attribute name after '.'"))
        } else {
            var names = [first]
            while accept(.op(",")) { names.append(try expectName("expected a name after ','")) }
            target = .names(names)
        }
        if accept(.blockEnd) {
            guard case let .names(names) = target, names.count == 1 else { throw error("a set block assigns one name") }
            let (body, stop) = try parseNodes(until: ["endset"])
            try close(stop, expected: "endset", opened: opened)
            return .setBlock(names[0], body)
        }
        try expect(.op("="), "expected '=' in the set tag")
        var value = try parseExpression()
        if case .op(",") = tokens[p].kind {
            var items = [value]
            while accept(.op(",")) { items.append(try parseExpression()) }
            value = try makeExpr(.tuple(items), line: value.line)
        }
        try expect(.blockEnd, "expected '%}' after the set tag")
        return .set(target, value, line: opened.line)
    }

    private mutating func parseMacro(_ opened: JinjaToken) throws -> JinjaNode {
        let name = try expectName("expected a macro name")
        try expect(.op("("), "expected '(' after the macro name")
        var parameters: [(String, JinjaExpr?)] = []
        if !accept(.op(")")) {
            repeat {
                let parameter = try expectName("expected a parameter name")
                var value: JinjaExpr?
                if accept(.op("=")) { value = try parseExpression() }
                parameters.append((parameter, value))
            } while accept(.op(","))
            try expect(.op(")"), "expected ')' after the macro parameters")
        }
        try expect(.blockEnd, "expected '%}' after the macro signature")
        let (body, stop) = try parseNodes(until: ["endmacro"])
        try close(stop, expected: "endmacro", opened: opened)
        return .macro(name: name, parameters: parameters, body: body)
    }

    // MARK: token helpers

    private mutating func accept(_ kind: JinjaToken.Kind) -> Bool {
        if tokens[p].kind == kind { p += 1; return true }
        return false
    }

    private mutating func acceptName(_ name: String) -> Bool { accept(.name(name)) }

    private mutating func expect(_ kind: JinjaToken.Kind, _ message: String) throws {
        guard accept(kind) else { throw error(message + ", found \(describe(tokens[p]))") }
    }

    private mutating func expectName(_ message: String) throws -> String {
        if case let .name(n) = tokens[p].kind { p += 1; return n }
        throw error(message + ", found \(describe(tokens[p]))")
    }

    private func describe(_ t: JinjaToken) -> String {
        switch t.kind {
        case let .name(n): return "'\(n)'"
        case let .op(o): return "'\(o)'"
        case .string: return "a string"
        case .integer, .float: return "a number"
        case .variableEnd: return "'}}'"
        case .blockEnd: return "'%}'"
        case .text, .variableBegin, .blockBegin: return "template text"
        case .end: return "the end of the template"
        }
    }

    // MARK: expressions

    /// A full expression, including the inline `a if c else b`.
    mutating func parseExpression() throws -> JinjaExpr { try parseOr(allowConditional: true) }

    private mutating func parseOr(allowConditional: Bool) throws -> JinjaExpr {
        try nest()
        defer { nesting -= 1 }
        var left = try parseAnd()
        while acceptName("or") { left = try makeExpr(.or(left, try parseAnd()), line: left.line) }
        if allowConditional, acceptName("if") {
            let condition = try parseOr(allowConditional: false)
            var otherwise: JinjaExpr?
            if acceptName("else") { otherwise = try parseOr(allowConditional: true) }
            return try makeExpr(.conditional(left, condition, otherwise), line: left.line)
        }
        return left
    }

    private mutating func parseAnd() throws -> JinjaExpr {
        var left = try parseNot()
        while acceptName("and") { left = try makeExpr(.and(left, try parseNot()), line: left.line) }
        return left
    }

    private mutating func parseNot() throws -> JinjaExpr {
        try nest()
        defer { nesting -= 1 }
        let t = tokens[p]
        if acceptName("not") { return try makeExpr(.not(try parseNot()), line: t.line) }
        return try parseCompare()
    }

    private mutating func parseCompare() throws -> JinjaExpr {
        let left = try parseAdditive()
        var ops: [(String, JinjaExpr)] = []
        while true {
            if case let .op(o) = tokens[p].kind, ["==", "!=", "<", ">", "<=", ">="].contains(o) {
                p += 1
                ops.append((o, try parseAdditive()))
            } else if acceptName("in") {
                ops.append(("in", try parseAdditive()))
            } else if case .name("not") = tokens[p].kind, case .name("in") = tokens[p + 1].kind {
                p += 2
                ops.append(("not in", try parseAdditive()))
            } else { break }
        }
        return ops.isEmpty ? left : try makeExpr(.compare(left, ops), line: left.line)
    }

    private mutating func parseAdditive() throws -> JinjaExpr {
        var left = try parseConcat()
        while case let .op(o) = tokens[p].kind, o == "+" || o == "-" {
            p += 1
            left = try makeExpr(.binary(o, left, try parseConcat()), line: left.line)
        }
        return left
    }

    private mutating func parseConcat() throws -> JinjaExpr {
        var left = try parseMultiplicative()
        while accept(.op("~")) { left = try makeExpr(.binary("~", left, try parseMultiplicative()), line: left.line) }
        return left
    }

    private mutating func parseMultiplicative() throws -> JinjaExpr {
        var left = try parsePower()
        while case let .op(o) = tokens[p].kind, ["*", "/", "//", "%"].contains(o) {
            p += 1
            left = try makeExpr(.binary(o, left, try parsePower()), line: left.line)
        }
        return left
    }

    private mutating func parsePower() throws -> JinjaExpr {
        var left = try parseUnary(withFilters: true)
        while accept(.op("**")) { left = try makeExpr(.binary("**", left, try parseUnary(withFilters: true)), line: left.line) }
        return left
    }

    private mutating func parseUnary(withFilters: Bool) throws -> JinjaExpr {
        try nest()
        defer { nesting -= 1 }
        let t = tokens[p]
        var node: JinjaExpr
        if case let .op(o) = t.kind, o == "-" || o == "+" {
            p += 1
            node = try makeExpr(.unary(o, try parseUnary(withFilters: false)), line: t.line)
        } else {
            node = try parsePostfix(try parsePrimary())
        }
        return withFilters ? try parseFiltersAndTests(node) : node
    }

    private mutating func parsePrimary() throws -> JinjaExpr {
        let t = tokens[p]
        p += 1
        switch t.kind {
        case let .name(n):
            switch n {
            case "true", "True": return try makeExpr(.literal(.bool(true)), line: t.line)
            case "false", "False": return try makeExpr(.literal(.bool(false)), line: t.line)
            case "none", "None": return try makeExpr(.literal(.none), line: t.line)
            default: return try makeExpr(.name(n), line: t.line)
            }
        case var .string(s):
            while case let .string(more) = tokens[p].kind { s += more; p += 1 }
            return try makeExpr(.literal(.string(s)), line: t.line)
        case let .integer(i): return try makeExpr(.literal(.int(i)), line: t.line)
        case let .float(d): return try makeExpr(.literal(.float(d)), line: t.line)
        case .op("("):
            if accept(.op(")")) { return try makeExpr(.tuple([]), line: t.line) }
            let first = try parseExpression()
            if accept(.op(",")) {
                var items = [first]
                while !accept(.op(")")) {
                    items.append(try parseExpression())
                    if !accept(.op(",")) { try expect(.op(")"), "expected ')'"); break }
                }
                return try makeExpr(.tuple(items), line: t.line)
            }
            try expect(.op(")"), "expected ')'")
            return first
        case .op("["):
            var items: [JinjaExpr] = []
            while !accept(.op("]")) {
                items.append(try parseExpression())
                if !accept(.op(",")) { try expect(.op("]"), "expected ']' or ','"); break }
            }
            return try makeExpr(.list(items), line: t.line)
        case .op("{"):
            var pairs: [(JinjaExpr, JinjaExpr)] = []
            while !accept(.op("}")) {
                let key = try parseExpression()
                try expect(.op(":"), "expected ':' in the dict literal")
                pairs.append((key, try parseExpression()))
                if !accept(.op(",")) { try expect(.op("}"), "expected '}' or ','"); break }
            }
            return try makeExpr(.dict(pairs), line: t.line)
        default:
            p -= 1
            throw error("expected an expression, found \(describe(t))")
        }
    }

    private mutating func parsePostfix(_ start: JinjaExpr) throws -> JinjaExpr {
        var node = start
        while true {
            if accept(.op(".")) {
                let t = tokens[p]
                switch t.kind {
                case let .name(n): p += 1; node = try makeExpr(.attribute(node, n), line: node.line)
                case let .integer(i):
                    p += 1; node = try makeExpr(.item(node, try makeExpr(.literal(.int(i)), line: t.line)), line: node.line)
                default: throw error("expected an attribute name after '.', found \(describe(t))")
                }
            } else if accept(.op("[")) {
                node = try parseSubscript(node)
            } else if case .op("(") = tokens[p].kind {
                p += 1
                let (args, kwargs) = try parseArguments()
                node = try makeExpr(.call(node, args, kwargs), line: node.line)
            } else {
                return node
            }
        }
    }

    private mutating func parseSubscript(_ base: JinjaExpr) throws -> JinjaExpr {
        var parts: [JinjaExpr?] = [nil]
        var isSlice = false
        while true {
            if accept(.op("]")) { break }
            if accept(.op(":")) {
                isSlice = true
                parts.append(nil)
                guard parts.count <= 3 else { throw error("a slice has at most three parts") }
                continue
            }
            guard parts[parts.count - 1] == nil else { throw error("expected ']' or ':'") }
            parts[parts.count - 1] = try parseExpression()
        }
        if !isSlice {
            guard let index = parts[0] else { throw error("expected an index inside '[]'") }
            return try makeExpr(.item(base, index), line: base.line)
        }
        while parts.count < 3 { parts.append(nil) }
        return try makeExpr(.slice(base, parts[0], parts[1], parts[2]), line: base.line)
    }

    /// `(a, b, key=c)` after the opening parenthesis.
    private mutating func parseArguments() throws -> ([JinjaExpr], [(String, JinjaExpr)]) {
        var args: [JinjaExpr] = []
        var kwargs: [(String, JinjaExpr)] = []
        while !accept(.op(")")) {
            if case let .name(n) = tokens[p].kind, case .op("=") = tokens[p + 1].kind {
                p += 2
                kwargs.append((n, try parseExpression()))
            } else {
                guard kwargs.isEmpty else { throw error("a positional argument follows a keyword argument") }
                args.append(try parseExpression())
            }
            if !accept(.op(",")) { try expect(.op(")"), "expected ')' or ','"); break }
        }
        return (args, kwargs)
    }

    private mutating func parseFiltersAndTests(_ start: JinjaExpr) throws -> JinjaExpr {
        var node = start
        while true {
            if accept(.op("|")) {
                var name = try expectName("expected a filter name after '|'")
                while accept(.op(".")) { name += "." + (try expectName("expected a filter name")) }
                var args: [JinjaExpr] = [], kwargs: [(String, JinjaExpr)] = []
                if accept(.op("(")) { (args, kwargs) = try parseArguments() }
                node = try makeExpr(.filter(node, name, args, kwargs), line: node.line)
            } else if acceptName("is") {
                let negated = acceptName("not")
                let name = try expectName("expected a test name after 'is'")
                var args: [JinjaExpr] = []
                if case .op("(") = tokens[p].kind {
                    p += 1
                    args = try parseArguments().0
                } else if startsBareTestArgument(tokens[p]) {
                    args = [try parsePostfix(try parsePrimary())]
                }
                node = try makeExpr(.test(node, name, args, negated: negated), line: node.line)
            } else {
                return node
            }
        }
    }

    /// Jinja lets a test take one argument without parentheses (`x is divisibleby 3`).
    private func startsBareTestArgument(_ t: JinjaToken) -> Bool {
        switch t.kind {
        case .string, .integer, .float: return true
        case let .name(n): return !["and", "or", "else", "if", "in", "is", "not", "for", "recursive"].contains(n)
        case .op("["), .op("{"): return true
        default: return false
        }
    }
}
