/// How much a chat template may ask of TinyAlign. A template comes from a downloaded `tokenizer_config.json`, so it
/// is untrusted code: these bounds turn a runaway template (deep nesting, an endless loop, a string doubled in a
/// loop, a namespace stored in itself) into a thrown `ChatTemplateError` naming the bound, never a stack overflow,
/// a hang or an allocation of gigabytes. The defaults are far above what any published template needs (they
/// render a few hundred nodes per message) and far below what hurts a machine.
///
/// Every bound is checked before the work it limits, except the per-value sizes, which are checked as each value is
/// produced (so a value may briefly reach twice its bound before the error).
public struct ChatTemplateLimits: Sendable, Equatable {
    /// Nesting while parsing: blocks inside blocks, brackets inside brackets, chained unary operators, and the
    /// depth of any one expression's tree (`1+1+…+1` included). Parsing and checking recurse this deep at most.
    public var maxNesting = 100
    /// Nested evaluation while rendering, across macro calls: each statement inside a statement, each expression
    /// inside an expression and each macro call counts one. Bounds the renderer's stack.
    public var maxDepth = 256
    /// Passes through the bodies (and `if` conditions) of every `for` loop of one render together; also the
    /// longest `range()`. A pass costs microseconds (Jinja's `loop` object is built for each), so this bounds a
    /// render's time to well under a second in a release build.
    public var maxLoopPasses = 100_000
    /// Statements run plus expressions evaluated in one render.
    public var maxSteps = 10_000_000
    /// UTF-8 bytes of all the strings, plus items of all the lists and dicts, that operators, filters and calls
    /// produce in one render (a string grown in a loop counts every copy): bounds the copying a render does.
    public var maxBytesBuilt = 4 << 30
    /// Nesting of a value stored with `{% set %}` or passed to a macro (a namespace that contains itself nests
    /// without end, so it is refused here); the walk that checks it visits at most 4 × `maxItems` parts.
    public var maxValueDepth = 64
    /// UTF-8 bytes of one render's output (and of any `{% set %}` block's capture), at most `maxStringBytes`, which is
    /// the default. Text repeated by a loop grows the output without building a string, so the output is bounded
    /// apart from `maxBytesBuilt`; a caller that knows how long a prompt may be (the fuzz targets: 1 MiB) can cut it.
    public var maxOutputBytes = ChatTemplateLimits.maxStringBytes

    /// UTF-8 bytes of the output, and of any one string a template builds (64 MiB). Fixed, since string methods
    /// and reprs that enforce it run outside any one render.
    public static let maxStringBytes = 64 << 20
    /// Items of any one list, tuple or dict a template builds (2²⁰). Fixed, like `maxStringBytes`.
    public static let maxItems = 1 << 20

    /// The defaults above.
    public init() {}

    /// The defaults, which `ChatTemplate(source:)` uses.
    public static let standard = ChatTemplateLimits()
}

/// Size checks shared by the operators, filters and methods that build strings and lists.
enum JinjaBounds {
    /// Throws unless a string of `bytes` UTF-8 bytes is allowed; `what` names the operation.
    static func checkString(_ bytes: Int, _ what: String) throws {
        guard bytes <= ChatTemplateLimits.maxStringBytes else {
            throw JinjaFailure("\(what) would make a string of more than \(ChatTemplateLimits.maxStringBytes) bytes")
        }
    }

    /// Throws unless a list of `count` items is allowed.
    static func checkItems(_ count: Int, _ what: String) throws {
        guard count <= ChatTemplateLimits.maxItems else {
            throw JinjaFailure("\(what) would make a list of more than \(ChatTemplateLimits.maxItems) items")
        }
    }

    /// `parts.joined(separator:)`, with the result's size checked before it is built.
    static func joined(_ parts: [String], separator: String, _ what: String = "join") throws -> String {
        var total = 0
        for p in parts { total += p.utf8.count + separator.utf8.count; try checkString(total, what) }
        return parts.joined(separator: separator)
    }

    /// Whether `v` nests more than `limit` containers deep or holds `target` (storing it there would make a
    /// cycle), walking at most 4 × `maxItems` parts (a value shared past that budget counts as too deep).
    static func nests(_ v: JinjaValue, deeperThan limit: Int, orHolds target: JinjaNamespace? = nil) -> Bool {
        var budget = 4 * ChatTemplateLimits.maxItems
        return nests(v, limit, target, &budget)
    }

    private static func nests(_ v: JinjaValue, _ limit: Int, _ target: JinjaNamespace?, _ budget: inout Int) -> Bool {
        budget -= 1
        switch v {
        case let .list(items), let .tuple(items):
            if limit <= 0 || budget < 0 { return true }
            for item in items where nests(item, limit - 1, target, &budget) { return true }
        case let .dict(d):
            if limit <= 0 || budget < 0 { return true }
            for e in d.entries where nests(e.value, limit - 1, target, &budget) { return true }
        case let .namespace(ns):
            if limit <= 0 || budget < 0 || ns === target { return true }
            for e in ns.dict.entries where nests(e.value, limit - 1, target, &budget) { return true }
        default: break
        }
        return false
    }
}
