import Foundation

/// The parts of a Hugging Face `tokenizer_config.json` that decide what a chat model sees: its special tokens,
/// whether BOS/EOS are added on encode, the maximum length, the chat template(s) and the added tokens by id.
public struct TokenizerConfig {
    /// `bos_token`: the token text (an AddedToken object's `content`), nil when absent or null; templates see it as
    /// `bos_token`.
    public var bosToken: String?
    /// `eos_token`, read like `bosToken`; templates see it as `eos_token`.
    public var eosToken: String?
    /// `pad_token`, read like `bosToken`.
    public var padToken: String?
    /// `unk_token`, read like `bosToken`.
    public var unkToken: String?
    /// `additional_special_tokens`, as text.
    public var additionalSpecialTokens: [String]
    /// `add_bos_token`: whether encoding prepends BOS; nil when the file does not say.
    public var addBosToken: Bool?
    /// `add_eos_token`: whether encoding appends EOS; nil when the file does not say.
    public var addEosToken: Bool?
    /// `model_max_length`; HF writes about 1e30 for "no limit", which becomes `Int.max`.
    public var modelMaxLength: Int?
    /// Every chat template by name; a plain string `chat_template` is stored under "default".
    public var chatTemplates: [String: String]
    /// `added_tokens_decoder`, sorted by id.
    public var addedTokens: [AddedToken]

    /// The template `apply_chat_template` uses when not given one: a plain `chat_template`, or the one named
    /// "default" in the list form.
    public var chatTemplate: String? { chatTemplates["default"] }

    /// The template transformers picks for a call with or without tools: "tool_use" when there are tools and the
    /// config names one, else `chatTemplate`.
    public func chatTemplate(withTools: Bool) -> String? {
        (withTools ? chatTemplates["tool_use"] : nil) ?? chatTemplate
    }

    /// Reads a model folder the way transformers' `from_pretrained` does: `tokenizer_config.json`, then
    /// `chat_template.jinja` (which replaces the config's default template) and `additional_chat_templates/NAME.jinja`
    /// (named templates), the files transformers 5 writes instead of an inline `chat_template`.
    public init(modelFolder folder: String) throws {
        let url = URL(fileURLWithPath: folder)
        try self.init(contentsOfFile: url.appendingPathComponent("tokenizer_config.json").path)
        let main = url.appendingPathComponent("chat_template.jinja")
        if FileManager.default.fileExists(atPath: main.path) {
            chatTemplates["default"] = try Self.readText(main.path)
        }
        let extra = url.appendingPathComponent("additional_chat_templates")
        if let names = try? FileManager.default.contentsOfDirectory(atPath: extra.path) {
            for name in names.sorted() where name.hasSuffix(".jinja") {
                chatTemplates[String(name.dropLast(".jinja".count))] = try Self.readText(extra.appendingPathComponent(name).path)
            }
        }
    }

    private static func readText(_ path: String) throws -> String {
        guard let text = String(data: try AtomicFile.read(path), encoding: .utf8) else {
            throw TokenizerError.malformed(path: path, field: "(file)", reason: "is not UTF-8 text")
        }
        return text
    }

    /// Reads and parses `tokenizer_config.json` at `path`.
    public init(contentsOfFile path: String) throws {
        try self.init(json: try Self.readText(path), path: path)
    }

    /// Parses the JSON text of a `tokenizer_config.json`; `path` names the file in errors.
    public init(json text: String, path: String = "tokenizer_config.json") throws {
        let root: JinjaDict
        switch try JinjaValue.parseJSON(text, what: path) {
        case let .dict(d): root = d
        default: throw TokenizerError.malformed(path: path, field: "(root)", reason: "must be a JSON object")
        }
        func wrongType(_ key: String, _ expected: String) -> TokenizerError {
            .malformed(path: path, field: key, reason: "must be \(expected), not \(root[key].map(Self.jsonType) ?? "missing")")
        }
        func token(_ key: String) throws -> String? {
            switch root[key] {
            case nil, .none?: return nil
            case let .string(s)?: return s
            case let .dict(d)?:
                guard case let .string(s)? = d["content"] else { throw wrongType(key, "a string or an object with a string 'content'") }
                return s
            default: throw wrongType(key, "a string or an object with a string 'content'")
            }
        }
        func flag(_ key: String) throws -> Bool? {
            switch root[key] {
            case nil, .none?: return nil
            case let .bool(b)?: return b
            default: throw wrongType(key, "true or false")
            }
        }
        bosToken = try token("bos_token")
        eosToken = try token("eos_token")
        padToken = try token("pad_token")
        unkToken = try token("unk_token")
        addBosToken = try flag("add_bos_token")
        addEosToken = try flag("add_eos_token")

        switch root["additional_special_tokens"] {
        case nil, .none?: additionalSpecialTokens = []
        case let .list(items)?:
            additionalSpecialTokens = try items.map { item in
                switch item {
                case let .string(s): return s
                case let .dict(d): if case let .string(s)? = d["content"] { return s }
                default: break
                }
                throw wrongType("additional_special_tokens", "a list of strings or objects with a string 'content'")
            }
        default: throw wrongType("additional_special_tokens", "a list")
        }

        switch root["model_max_length"] {
        case nil, .none?: modelMaxLength = nil
        case let .int(i)?: modelMaxLength = i
        case let .float(d)?:
            guard d.isFinite, d >= 0 else { throw wrongType("model_max_length", "a non-negative number") }
            modelMaxLength = d >= Double(Int.max) ? Int.max : Int(d)
        default: throw wrongType("model_max_length", "a number")
        }

        chatTemplates = [:]
        switch root["chat_template"] {
        case nil, .none?: break
        case let .string(s)?: chatTemplates["default"] = s
        case let .list(items)?:
            for (i, item) in items.enumerated() {
                guard case let .dict(d) = item, case let .string(name)? = d["name"], case let .string(template)? = d["template"] else {
                    throw TokenizerError.malformed(path: path, field: "chat_template[\(i)]",
                                                   reason: "must be an object with string 'name' and 'template'")
                }
                chatTemplates[name] = template
            }
        default: throw wrongType("chat_template", "a string or a list of {name, template} objects")
        }

        addedTokens = []
        switch root["added_tokens_decoder"] {
        case nil, .none?: break
        case let .dict(d)?:
            for entry in d.entries {
                let field = "added_tokens_decoder.\(entry.key)"
                guard let id = Int(entry.key), id >= 0 else {
                    throw TokenizerError.malformed(path: path, field: field, reason: "key must be a non-negative token id")
                }
                guard case let .dict(t) = entry.value, case let .string(content)? = t["content"] else {
                    throw TokenizerError.malformed(path: path, field: field, reason: "must be an object with a string 'content'")
                }
                func bool(_ name: String, _ defaultValue: Bool) throws -> Bool {
                    switch t[name] {
                    case nil, .none?: return defaultValue
                    case let .bool(b)?: return b
                    default: throw TokenizerError.malformed(path: path, field: field + "." + name, reason: "must be true or false")
                    }
                }
                addedTokens.append(AddedToken(id: id, content: content, special: try bool("special", false),
                                              lstrip: try bool("lstrip", false), rstrip: try bool("rstrip", false),
                                              singleWord: try bool("single_word", false),
                                              normalized: try bool("normalized", true)))
            }
            addedTokens.sort { $0.id < $1.id }
        default: throw wrongType("added_tokens_decoder", "an object keyed by token id")
        }
    }

    /// The special tokens as transformers hands them to a template (`bos_token`, `eos_token`, `unk_token`,
    /// `pad_token`, each only when set), for `ChatTemplate.render`'s `extra`.
    public var templateVariables: [String: JinjaValue] {
        var v: [String: JinjaValue] = [:]
        for (key, token) in [("bos_token", bosToken), ("eos_token", eosToken), ("unk_token", unkToken), ("pad_token", padToken)] {
            if let token { v[key] = .string(token) }
        }
        return v
    }

    /// The parsed chat template (`named`, else the one for `withTools`), or nil when the config has none.
    public func makeChatTemplate(named name: String? = nil, withTools: Bool = false) throws -> ChatTemplate? {
        guard let source = name.map({ chatTemplates[$0] }) ?? chatTemplate(withTools: withTools) else { return nil }
        return try ChatTemplate(source: source)
    }

    private static func jsonType(_ v: JinjaValue) -> String {
        switch v {
        case .none: return "null"
        case .bool: return "a boolean"
        case .int, .float: return "a number"
        case .string: return "a string"
        case .list: return "a list"
        case .dict: return "an object"
        default: return v.typeName
        }
    }
}
