/// An expression inside `{{ }}` or a tag, with the template line it starts on (for error messages).
final class JinjaExpr {
    indirect enum Kind {
        case literal(JinjaValue)
        case name(String)
        case list([JinjaExpr])
        /// `(a, b)`, `()`, and the right side of `set a, b = 1, 2`.
        case tuple([JinjaExpr])
        /// A dict literal; keys are expressions that must evaluate to strings.
        case dict([(JinjaExpr, JinjaExpr)])
        /// `a.b` (Jinja tries the attribute, then the item).
        case attribute(JinjaExpr, String)
        /// `a[b]` (Jinja tries the item, then the attribute).
        case item(JinjaExpr, JinjaExpr)
        /// `a[start:stop:step]`, each part optional.
        case slice(JinjaExpr, JinjaExpr?, JinjaExpr?, JinjaExpr?)
        case call(JinjaExpr, [JinjaExpr], [(String, JinjaExpr)])
        /// `value | name(args)`
        case filter(JinjaExpr, String, [JinjaExpr], [(String, JinjaExpr)])
        /// `value is [not] name(args)`
        case test(JinjaExpr, String, [JinjaExpr], negated: Bool)
        case unary(String, JinjaExpr)
        case binary(String, JinjaExpr, JinjaExpr)
        /// A chain such as `a < b <= c`; operators include `in` and `not in`.
        case compare(JinjaExpr, [(String, JinjaExpr)])
        case and(JinjaExpr, JinjaExpr)
        case or(JinjaExpr, JinjaExpr)
        case not(JinjaExpr)
        /// `body if condition else otherwise` (no `else`: Undefined).
        case conditional(JinjaExpr, JinjaExpr, JinjaExpr?)
    }
    let kind: Kind
    let line: Int
    /// Levels of the tree under and including this node (a literal or a name is 1); the parser bounds it, so
    /// evaluating, checking and freeing the tree never recurse deeper.
    let depth: Int
    init(_ kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
        depth = 1 + JinjaExpr.children(of: kind).reduce(0) { max($0, $1.depth) }
    }

    private static func children(of kind: Kind) -> [JinjaExpr] {
        switch kind {
        case .literal, .name: return []
        case let .list(items), let .tuple(items): return items
        case let .dict(pairs): return pairs.flatMap { [$0.0, $0.1] }
        case let .attribute(b, _): return [b]
        case let .item(b, i): return [b, i]
        case let .slice(b, x, y, z): return [b] + [x, y, z].compactMap { $0 }
        case let .call(f, args, kwargs): return [f] + args + kwargs.map(\.1)
        case let .filter(v, _, args, kwargs): return [v] + args + kwargs.map(\.1)
        case let .test(v, _, args, _): return [v] + args
        case let .unary(_, x), let .not(x): return [x]
        case let .binary(_, l, r), let .and(l, r), let .or(l, r): return [l, r]
        case let .compare(first, chain): return [first] + chain.map(\.1)
        case let .conditional(a, b, c): return [a, b] + (c.map { [$0] } ?? [])
        }
    }
}

/// Where `{% set %}` and `{% for %}` put values: plain names (possibly several, unpacked), or a namespace attribute.
enum JinjaTarget {
    case names([String])
    case attribute(String, String)
}

/// A piece of a parsed template.
indirect enum JinjaNode {
    case text(String)
    case output(JinjaExpr)
    case ifChain([(JinjaExpr, [JinjaNode])], otherwise: [JinjaNode])
    case forLoop(target: [String], iterable: JinjaExpr, condition: JinjaExpr?, body: [JinjaNode], otherwise: [JinjaNode],
                 line: Int)
    case set(JinjaTarget, JinjaExpr, line: Int)
    /// `{% set x %}…{% endset %}`: the rendered body becomes the value.
    case setBlock(String, [JinjaNode])
    case macro(name: String, parameters: [(String, JinjaExpr?)], body: [JinjaNode])
    case breakLoop, continueLoop
    /// `{% generation %}…{% endgeneration %}` (transformers' assistant-mask tag): renders its body unchanged.
    case generation([JinjaNode])
}
