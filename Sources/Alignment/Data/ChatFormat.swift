import Datasets
import Foundation
import Tokenizer

/// A model's chat template with the special tokens it is rendered with, as transformers' `apply_chat_template`
/// renders it for that model.
public struct ChatFormat {
    /// The parsed template.
    public let template: ChatTemplate
    /// `bos_token` and `eos_token` as the template sees them.
    public let bosToken: String?, eosToken: String?
    /// The other special-token variables (`unk_token`, `pad_token`).
    public let variables: [String: JinjaValue]

    /// The format of a tokenizer config's default chat template.
    public init(template: ChatTemplate, config: TokenizerConfig) {
        self.template = template
        bosToken = config.bosToken
        eosToken = config.eosToken
        variables = config.templateVariables
    }

    /// The format of `config`'s default template, nil when it has none; a template that does not parse is an error
    /// naming `path`.
    public init?(config: TokenizerConfig?, path: String) throws {
        guard let config, let source = config.chatTemplate else { return nil }
        do {
            self.init(template: try ChatTemplate(source: source), config: config)
        } catch {
            throw AlignmentError.badData(file: path, line: 0, "chat_template: \(error)")
        }
    }

    /// `turns` as the values a template reads (each message's other fields after `role` and `content`).
    func values(_ turns: [ChatTurn]) throws -> [JinjaValue] {
        try turns.map { turn in
            var fields: [(String, JinjaValue)] = []
            if let json = turn.otherFieldsJSON, case let .dict(d) = try JinjaValue.parseJSON(json, what: "message") {
                fields = d.entries.map { ($0.key, $0.value) }
            }
            return ChatMessage(role: turn.role, content: turn.content, fields: fields).value
        }
    }

    /// The text the model sees for `turns`, ending with the assistant header when `addGenerationPrompt`.
    public func render(_ turns: [ChatTurn], addGenerationPrompt: Bool = false) throws -> String {
        try template.render(messages: values(turns), addGenerationPrompt: addGenerationPrompt, bosToken: bosToken,
                            eosToken: eosToken, extra: variables)
    }

    /// The rendered conversation and the UTF-8 byte ranges of its assistant turns. A template with
    /// `{% generation %}` blocks marks them itself (transformers' assistant masks); for any other template an
    /// assistant turn is what rendering it adds after the conversation before it rendered with the generation
    /// prompt (the common prefix of the two renderings, as TRL cuts a completion), up to where the rendering that
    /// ends with this turn stops agreeing with the whole conversation.
    public func assistantSpans(_ turns: [ChatTurn]) throws -> (text: String, spans: [Range<Int>]) {
        if template.hasGenerationBlocks {
            return try template.renderWithGenerationSpans(messages: values(turns), bosToken: bosToken, eosToken: eosToken,
                                                          extra: variables)
        }
        let full = try render(turns)
        let bytes = Array(full.utf8)
        var spans: [Range<Int>] = []
        for (i, turn) in turns.enumerated() where turn.role == "assistant" {
            let start = i == 0 ? 0 : ChatFormat.commonTextPrefix(Array(try render(Array(turns[..<i]), addGenerationPrompt: true).utf8), bytes)
            let end = ChatFormat.commonTextPrefix(Array(try render(Array(turns[...i])).utf8), bytes)
            if end > start { spans.append(start..<end) }
        }
        return (full, spans)
    }

    /// The common prefix of two UTF-8 texts in bytes, ending on a character boundary.
    static func commonTextPrefix(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var n = commonPrefix(a, b)
        while n > 0 && n < b.count && b[n] & 0xC0 == 0x80 { n -= 1 }
        return n
    }

    /// The length of the common prefix of two sequences.
    static func commonPrefix<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
        var n = 0
        while n < min(a.count, b.count) && a[n] == b[n] { n += 1 }
        return n
    }
}
