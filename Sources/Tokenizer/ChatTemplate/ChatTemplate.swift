import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One chat message for `ChatTemplate.render`: a role, its text, and any other fields a template reads
/// (`tool_calls`, `reasoning_content`, …) as template values.
public struct ChatMessage {
    /// "system", "user", "assistant", "tool", …
    public var role: String
    /// The message text.
    public var content: String
    /// Further fields, written after `role` and `content` in this order.
    public var fields: [(String, JinjaValue)]

    /// A message with a role, its text and optional extra fields.
    public init(role: String, content: String, fields: [(String, JinjaValue)] = []) {
        self.role = role; self.content = content; self.fields = fields
    }

    /// The message as the dict a template sees.
    public var value: JinjaValue {
        .dict(JinjaDict([("role", .string(role)), ("content", .string(content))] + fields))
    }
}

/// A Hugging Face chat template (the Jinja text in `tokenizer_config.json`'s `chat_template`), rendered the way
/// transformers' `apply_chat_template(..., tokenize=False)` renders it: Jinja with `trim_blocks` and
/// `lstrip_blocks`, `raise_exception`, `strftime_now`, `namespace`, and `tojson` as `json.dumps(ensure_ascii=False)`.
public final class ChatTemplate {
    /// The template text as given.
    public let source: String
    /// The bounds every parse and render of this template keeps to.
    public let limits: ChatTemplateLimits
    private let nodes: [JinjaNode]

    /// Parses `source`; a syntax error names its line and column, an unknown filter or test its name and line.
    /// `limits` bounds the parse (nesting) and every render (see `ChatTemplateLimits`).
    public init(source: String, limits: ChatTemplateLimits = .standard) throws {
        self.source = source
        self.limits = limits
        var lexer = JinjaLexer(source)
        var parser = JinjaParser(tokens: try lexer.tokenize(), maxNesting: limits.maxNesting)
        nodes = try parser.parseTemplate()
        try ChatTemplate.checkNames(nodes)
    }

    /// Renders a conversation given as Foundation dictionaries (e.g. from `JSONSerialization`); see
    /// `render(messages: [JinjaValue] …)`. `[String: Any]` has no key order, so keys are sorted; build `JinjaValue`s
    /// (e.g. with `JinjaValue.parseJSON`) when a template prints whole messages with `tojson`.
    public func render(messages: [[String: Any]], addGenerationPrompt: Bool = false, continueFinalMessage: Bool = false,
                       bosToken: String? = nil, eosToken: String? = nil, tools: [[String: Any]]? = nil,
                       extra: [String: Any] = [:]) throws -> String {
        try render(messages: try messages.map { try JinjaValue(any: $0) }, addGenerationPrompt: addGenerationPrompt,
                   continueFinalMessage: continueFinalMessage, bosToken: bosToken, eosToken: eosToken,
                   tools: try tools.map { try JinjaValue(any: $0) },
                   extra: try extra.mapValues { try JinjaValue(any: $0) })
    }

    /// Renders typed messages; see `render(messages: [JinjaValue] …)`.
    public func render(messages: [ChatMessage], addGenerationPrompt: Bool = false, continueFinalMessage: Bool = false,
                       bosToken: String? = nil, eosToken: String? = nil, tools: JinjaValue? = nil,
                       extra: [String: JinjaValue] = [:]) throws -> String {
        try render(messages: messages.map(\.value), addGenerationPrompt: addGenerationPrompt,
                   continueFinalMessage: continueFinalMessage, bosToken: bosToken, eosToken: eosToken, tools: tools, extra: extra)
    }

    /// Renders a conversation the way `apply_chat_template(messages, tools=…, add_generation_prompt=…, **extra)`
    /// does: an empty conversation is refused, keys whose value is None are dropped from each message, and a
    /// message's reasoning given as `reasoning_content`, `thinking` or `reasoning` is copied to `thinking` and
    /// `reasoning_content` (transformers 5 does both so templates find it under the name they read); `tools` and
    /// `documents` are always defined (None when not given). A nil `bosToken`/`eosToken` leaves that variable
    /// undefined, as for a tokenizer without that token; `extra` adds or overrides variables (`enable_thinking`,
    /// `date_string`, other special tokens, …).
    ///
    /// `continueFinalMessage` (transformers' `continue_final_message`) leaves the last message open, so a model
    /// continues it: the output stops where that message's text ends, before the template's end-of-turn markup.
    public func render(messages: [JinjaValue], addGenerationPrompt: Bool = false, continueFinalMessage: Bool = false,
                       bosToken: String? = nil, eosToken: String? = nil, tools: JinjaValue? = nil,
                       extra: [String: JinjaValue] = [:]) throws -> String {
        guard !messages.isEmpty else {
            throw ChatTemplateError.invalidInput("cannot apply a chat template to an empty conversation")
        }
        var chat = try messages.enumerated().map { i, m -> JinjaDict in
            guard case let .dict(d) = m else {
                throw ChatTemplateError.invalidInput("message \(i) must be a dict, not \(m.typeName)")
            }
            return ChatTemplate.normalized(d)
        }
        var finalText = ""
        if continueFinalMessage {
            guard !addGenerationPrompt else {
                throw ChatTemplateError.invalidInput("continueFinalMessage and addGenerationPrompt cannot both be set")
            }
            guard source.contains("content") else {
                throw ChatTemplateError.invalidInput("continueFinalMessage: the template never reads a message's content")
            }
            finalText = try ChatTemplate.tagFinalMessage(&chat[chat.count - 1])
        }
        var context = extra
        context["messages"] = .list(chat.map { .dict($0) })
        context["tools"] = tools ?? JinjaValue.none
        if context["documents"] == nil { context["documents"] = JinjaValue.none }
        let rendered = try render(context: context, addGenerationPrompt: addGenerationPrompt, bosToken: bosToken, eosToken: eosToken)
        return continueFinalMessage ? try ChatTemplate.cutAtTag(rendered, finalText: finalText) : rendered
    }

    /// The marker transformers appends to the message being continued, to find where its text ends.
    private static let continueTag = "CONTINUE_FINAL_MESSAGE_TAG "

    /// Appends the marker to the final message's `content` (or, for a list of content blocks, to the last block
    /// with a `text`), returning the text it had.
    private static func tagFinalMessage(_ message: inout JinjaDict) throws -> String {
        switch message["content"] {
        case let .string(text)?:
            message["content"] = .string(text + continueTag)
            return text
        case let .list(blocks)?:
            for i in blocks.indices.reversed() {
                if case var .dict(block) = blocks[i], case let .string(text)? = block["text"] {
                    block["text"] = .string(text + continueTag)
                    var updated = blocks
                    updated[i] = .dict(block)
                    message["content"] = .list(updated)
                    return text
                }
            }
            throw ChatTemplateError.invalidInput("continueFinalMessage: the final message has no text block to continue")
        default:
            throw ChatTemplateError.invalidInput("continueFinalMessage: the final message has no content to continue")
        }
    }

    /// Cuts the rendering at the marker, as transformers does: exactly there when the template kept the marker's
    /// trailing space, else there with trailing whitespace removed (the template trimmed the message).
    private static func cutAtTag(_ rendered: String, finalText: String) throws -> String {
        let marker = JinjaMethods.strip(continueTag, chars: nil)
        let finalStripped = JinjaMethods.strip(finalText, chars: nil)
        guard rendered.contains(marker), finalStripped.isEmpty || rendered.contains(finalStripped),
              let at = rendered.range(of: marker, options: .backwards) else {
            throw ChatTemplateError.invalidInput(
                "continueFinalMessage: the final message does not appear in the rendered chat (the template changes it)")
        }
        let head = String(rendered[..<at.lowerBound])
        if rendered[at.lowerBound...].hasPrefix(continueTag) { return head }
        return JinjaMethods.strip(head, chars: nil, leading: false, trailing: true)
    }

    /// transformers' message clean-up before rendering: None values dropped, reasoning aliased.
    private static func normalized(_ message: JinjaDict) -> JinjaDict {
        var d = JinjaDict(message.entries.filter { if case .none = $0.value { return false } else { return true } })
        let reasoning = ["reasoning_content", "thinking", "reasoning"].lazy.compactMap { d[$0] }.first
        guard let reasoning else { return d }
        // {"thinking": r, **message, "reasoning_content": r}: `thinking` comes first unless the message has it.
        var aliased = JinjaDict([("thinking", reasoning)])
        for e in d.entries { aliased[e.key] = e.value }
        aliased["reasoning_content"] = reasoning
        d = aliased
        return d
    }

    /// Renders with template variables given as values (`messages`, `tools` and anything else); the special tokens
    /// and `add_generation_prompt` are added unless `context` already sets them.
    public func render(context: [String: JinjaValue], addGenerationPrompt: Bool = false, bosToken: String? = nil,
                       eosToken: String? = nil) throws -> String {
        try renderTracked(context: context, addGenerationPrompt: addGenerationPrompt, bosToken: bosToken, eosToken: eosToken).text
    }

    /// Whether the template marks assistant text with `{% generation %}` (what transformers needs to return
    /// assistant masks).
    public var hasGenerationBlocks: Bool {
        source.range(of: #"\{%-?\s*generation\s*-?%\}"#, options: .regularExpression) != nil
    }

    /// Renders a conversation like `render(messages:…)` and also returns the UTF-8 byte ranges of the text that
    /// `{% generation %}` blocks wrote: what transformers' `return_assistant_tokens_mask` marks.
    public func renderWithGenerationSpans(messages: [JinjaValue], bosToken: String? = nil, eosToken: String? = nil,
                                          extra: [String: JinjaValue] = [:]) throws -> (text: String, spans: [Range<Int>]) {
        guard !messages.isEmpty else {
            throw ChatTemplateError.invalidInput("cannot apply a chat template to an empty conversation")
        }
        let chat = try messages.enumerated().map { i, m -> JinjaValue in
            guard case let .dict(d) = m else { throw ChatTemplateError.invalidInput("message \(i) must be a dict, not \(m.typeName)") }
            return .dict(ChatTemplate.normalized(d))
        }
        var context = extra
        context["messages"] = .list(chat)
        if context["tools"] == nil { context["tools"] = JinjaValue.none }
        if context["documents"] == nil { context["documents"] = JinjaValue.none }
        return try renderTracked(context: context, addGenerationPrompt: false, bosToken: bosToken, eosToken: eosToken)
    }

    private func renderTracked(context: [String: JinjaValue], addGenerationPrompt: Bool, bosToken: String?,
                               eosToken: String?) throws -> (text: String, spans: [Range<Int>]) {
        var globals = ChatTemplate.builtins(limits)
        if let bosToken { globals["bos_token"] = .string(bosToken) }
        if let eosToken { globals["eos_token"] = .string(eosToken) }
        globals["add_generation_prompt"] = .bool(addGenerationPrompt)
        for (k, v) in context { globals[k] = v }
        let evaluator = JinjaEvaluator(globals: globals, limits: limits)
        try evaluator.run(nodes)
        return (evaluator.output, evaluator.generationSpans)
    }

    // MARK: globals

    private static func builtins(_ limits: ChatTemplateLimits) -> [String: JinjaValue] {
        var g: [String: JinjaValue] = [:]
        g["raise_exception"] = .function(JinjaFunction(name: "raise_exception") { args, _ in
            throw ChatTemplateError.raised(args.first?.pythonString ?? "")
        })
        g["strftime_now"] = .function(JinjaFunction(name: "strftime_now") { args, _ in
            guard case let .string(format)? = args.first else { throw JinjaFailure("strftime_now takes a format string") }
            return .string(strftime(format, Date()))
        })
        g["namespace"] = .function(JinjaFunction(name: "namespace") { args, kwargs in
            var d = JinjaDict()
            if case let .dict(initial)? = args.first { d = initial }
            for e in kwargs.entries { d[e.key] = e.value }
            return .namespace(JinjaNamespace(d))
        })
        g["dict"] = .function(JinjaFunction(name: "dict") { args, kwargs in
            var d = JinjaDict()
            if case let .dict(initial)? = args.first { d = initial }
            for e in kwargs.entries { d[e.key] = e.value }
            return .dict(d)
        })
        g["range"] = .function(JinjaFunction(name: "range") { args, _ in
            let ints = try args.map { v -> Int in
                guard let i = v.integerValue else { throw JinjaFailure("range() takes integers, not \(v.typeName)") }
                return i
            }
            let (start, stop, step): (Int, Int, Int)
            switch ints.count {
            case 1: (start, stop, step) = (0, ints[0], 1)
            case 2: (start, stop, step) = (ints[0], ints[1], 1)
            case 3: (start, stop, step) = (ints[0], ints[1], ints[2])
            default: throw JinjaFailure("range() takes 1 to 3 arguments")
            }
            guard step != 0 else { throw JinjaFailure("range() arg 3 must not be zero") }
            let count = (Double(stop) - Double(start)) / Double(step)
            guard count <= Double(min(limits.maxLoopPasses, ChatTemplateLimits.maxItems)) else {
                throw JinjaFailure("range() of \(Int(min(count, 9e18))) items is too large")
            }
            return .list(Swift.stride(from: start, to: stop, by: step).map { .int($0) })
        })
        return g
    }

    /// C's `strftime` on local time, which is what Python's `datetime.now().strftime` uses.
    static func strftime(_ format: String, _ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&t, &parts)
        var buffer = [Int8](repeating: 0, count: 256 + format.utf8.count * 8)
        let n = Foundation.strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: checks

    /// Jinja rejects unknown filters and tests when it compiles a template, before any rendering.
    private static func checkNames(_ nodes: [JinjaNode]) throws {
        for node in nodes {
            switch node {
            case .text, .breakLoop, .continueLoop: break
            case let .output(e): try checkNames(e)
            case let .ifChain(branches, otherwise):
                for (c, body) in branches { try checkNames(c); try checkNames(body) }
                try checkNames(otherwise)
            case let .forLoop(_, iterable, condition, body, otherwise, _):
                try checkNames(iterable)
                if let condition { try checkNames(condition) }
                try checkNames(body); try checkNames(otherwise)
            case let .set(_, e, _): try checkNames(e)
            case let .setBlock(_, body), let .generation(body): try checkNames(body)
            case let .macro(_, parameters, body):
                for (_, d) in parameters { if let d { try checkNames(d) } }
                try checkNames(body)
            }
        }
    }

    private static func checkNames(_ e: JinjaExpr) throws {
        switch e.kind {
        case .literal, .name: break
        case let .list(items), let .tuple(items): for i in items { try checkNames(i) }
        case let .dict(pairs): for (k, v) in pairs { try checkNames(k); try checkNames(v) }
        case let .attribute(b, _): try checkNames(b)
        case let .item(b, i): try checkNames(b); try checkNames(i)
        case let .slice(b, x, y, z): try checkNames(b); for p in [x, y, z] { if let p { try checkNames(p) } }
        case let .call(f, args, kwargs):
            try checkNames(f); for a in args { try checkNames(a) }; for (_, v) in kwargs { try checkNames(v) }
        case let .filter(v, name, args, kwargs):
            guard JinjaFilters.table[name] != nil else { throw ChatTemplateError.unknownFilter(name: name, line: e.line) }
            try checkNames(v); for a in args { try checkNames(a) }; for (_, x) in kwargs { try checkNames(x) }
        case let .test(v, name, args, _):
            guard JinjaIsTests.table[name] != nil else { throw ChatTemplateError.unknownTest(name: name, line: e.line) }
            try checkNames(v); for a in args { try checkNames(a) }
        case let .unary(_, x), let .not(x): try checkNames(x)
        case let .binary(_, l, r), let .and(l, r), let .or(l, r): try checkNames(l); try checkNames(r)
        case let .compare(first, chain): try checkNames(first); for (_, x) in chain { try checkNames(x) }
        case let .conditional(a, b, c): try checkNames(a); try checkNames(b); if let c { try checkNames(c) }
        }
    }
}

extension JinjaValue {
    /// Converts Foundation values (String, Bool, Int, Double, NSNumber, arrays, dictionaries, NSNull, nil) and
    /// `JinjaValue`s; dictionary keys are sorted, since `[String: Any]` has no order of its own.
    public init(any: Any?) throws {
        guard let any else { self = .none; return }
        switch any {
        case let v as JinjaValue: self = v
        case let v as ChatMessage: self = v.value
        case is NSNull: self = .none
        case let v as String: self = .string(v)
        case let v as NSNumber where Swift.type(of: any) is NSNumber.Type:
            // Foundation's JSON numbers: the Objective-C type code says bool ("c"/"B"), float or integer.
            switch String(cString: v.objCType) {
            case "c", "B": self = .bool(v.boolValue)
            case "f", "d": self = .float(v.doubleValue)
            default: self = .int(v.intValue)
            }
        case let v as Bool: self = .bool(v)
        case let v as Int: self = .int(v)
        case let v as Double: self = .float(v)
        case let v as Float: self = .float(Double(v))
        case let v as [Any?]: self = .list(try v.map { try JinjaValue(any: $0) })
        case let v as [String: Any?]:
            self = .dict(JinjaDict(try v.keys.sorted().map { ($0, try JinjaValue(any: v[$0]!)) }))
        default:
            throw ChatTemplateError.invalidInput("cannot pass a value of type \(type(of: any)) to a template")
        }
    }

    /// Parses JSON text into a template value with object keys in their written order; `what` names the source
    /// in error messages.
    public static func parseJSON(_ text: String, what: String = "JSON") throws -> JinjaValue {
        try JinjaJSON.parse(text, what: what)
    }
}
