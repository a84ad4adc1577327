import Foundation

/// The `tokenizer.ggml.*` metadata ↔ Hugging Face `tokenizer.json` + `tokenizer_config.json`, for byte-level BPE
/// vocabularies (`tokenizer.ggml.model` "gpt2", the kind Llama 3, Qwen2/3, SmolLM and GPT-2 use).
///
/// `tokens` (in id order) ↔ `model.vocab`; `merges` ("a b") ↔ `model.merges`; `token_type` 3 (control) ↔ an
/// added token with `special: true`, 4 (user-defined) ↔ an added token with `special: false`, 5 (unused) ↔ a
/// `[PAD{id}]` filler for an id the HF vocabulary skips; `tokenizer.ggml.pre` ↔ the pre-tokenizer ("gpt2": GPT-2's
/// ByteLevel regex; "llama-bpe" and "qwen2": a Split on their published regex, then ByteLevel without regex);
/// `{bos,eos,unknown,padding}_token_id` and `add_bos_token`/`add_eos_token` ↔ tokenizer_config.json's
/// `bos_token`, … and `add_bos_token`, …; `tokenizer.chat_template` ↔ `chat_template`.
/// SentencePiece vocabularies (`tokenizer.ggml.model` "llama") go through `GGUFSentencePieceMapping`.
public enum GGUFTokenizerMapping {
    /// Llama 3's pre-tokenizer regex (its tokenizer.json's Split pattern; llama.cpp's "llama-bpe").
    public static let llama3Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    /// Qwen2's pre-tokenizer regex (llama.cpp's "qwen2"): single digits.
    public static let qwen2Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The two Hugging Face tokenizer files.
    public struct HuggingFaceFiles {
        /// `tokenizer.json`.
        public var tokenizer: [String: Any]
        /// `tokenizer_config.json`.
        public var config: [String: Any]
    }

    /// GGUF token types (llama.cpp's `llama_token_type`).
    enum TokenType: Int32 { case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6 }

    // MARK: GGUF -> Hugging Face

    /// The Hugging Face tokenizer files for the vocabulary in `file`, or nil (with a note) when it has none or
    /// one of a kind not converted.
    public static func huggingFaceFiles(of file: GGUFFile, notes: inout [String]) throws -> HuggingFaceFiles? {
        let meta = file.metadata
        guard let model = meta["tokenizer.ggml.model"]?.string else {
            notes.append("no tokenizer.ggml.model: no tokenizer files written")
            return nil
        }
        if model == "llama" { return try GGUFSentencePieceMapping.huggingFaceFiles(of: file) }
        guard model == "gpt2" else {
            notes.append("tokenizer.ggml.model '\(model)' (neither byte-level BPE nor SentencePiece) is not converted: no tokenizer files written")
            return nil
        }
        guard let tokens = meta["tokenizer.ggml.tokens"]?.strings else {
            throw GGUFError.malformed(path: file.path, "tokenizer.ggml.tokens is missing or not an array of strings")
        }
        let types = meta["tokenizer.ggml.token_type"]?.array?.map { $0.int ?? 1 } ?? []
        guard types.isEmpty || types.count == tokens.count else {
            throw GGUFError.malformed(path: file.path, "tokenizer.ggml.token_type has \(types.count) entries for \(tokens.count) tokens")
        }
        guard let rawMerges = meta["tokenizer.ggml.merges"].map({ $0.strings }) ?? [] else {
            throw GGUFError.malformed(path: file.path, "tokenizer.ggml.merges is not an array of strings")
        }
        var merges: [String] = []
        merges.reserveCapacity(rawMerges.count)
        for (i, m) in rawMerges.enumerated() {
            guard m.split(separator: " ", omittingEmptySubsequences: false).count == 2 else {
                throw GGUFError.malformed(path: file.path, "tokenizer.ggml.merges[\(i)] '\(m)' is not two tokens separated by one space")
            }
            merges.append(m)
        }
        func tokenID(_ key: String) throws -> Int? {
            guard let v = meta["tokenizer.ggml.\(key)"] else { return nil }
            guard let id = v.int, id >= 0, id < tokens.count else {
                throw GGUFError.malformed(path: file.path, "tokenizer.ggml.\(key) \(v) is not a token id below \(tokens.count)")
            }
            return id
        }
        let bos = try tokenID("bos_token_id"), eos = try tokenID("eos_token_id")
        let unk = try tokenID("unknown_token_id"), pad = try tokenID("padding_token_id")
        let addBOS = meta["tokenizer.ggml.add_bos_token"]?.bool ?? false
        let addEOS = meta["tokenizer.ggml.add_eos_token"]?.bool ?? false

        var vocab: [String: Int] = [:]
        vocab.reserveCapacity(tokens.count)
        var duplicates = 0
        for (id, t) in tokens.enumerated() {
            if vocab[t] == nil { vocab[t] = id } else { duplicates += 1 }
        }
        if duplicates > 0 { notes.append("\(duplicates) duplicate token strings: the HF vocabulary keeps the first id of each") }

        var added: [[String: Any]] = []
        var decoderTable: [String: Any] = [:]
        for (id, t) in tokens.enumerated() {
            let type = types.isEmpty ? 1 : types[id]
            guard type == Int(TokenType.control.rawValue) || type == Int(TokenType.userDefined.rawValue) else { continue }
            let entry: [String: Any] = ["id": id, "content": t, "single_word": false, "lstrip": false, "rstrip": false,
                                        "normalized": type != Int(TokenType.control.rawValue), "special": type == Int(TokenType.control.rawValue)]
            added.append(entry)
            var d = entry
            d["id"] = nil
            decoderTable[String(id)] = d
        }

        let pre = meta["tokenizer.ggml.pre"]?.string ?? "gpt2"
        let preTokenizer: [String: Any]
        switch pre {
        case "gpt2", "default":
            preTokenizer = byteLevel(useRegex: true)
        case "llama-bpe", "llama3":
            preTokenizer = split(llama3Pattern)
        case "qwen2":
            preTokenizer = split(qwen2Pattern)
        default:
            throw GGUFError.unsupported(path: file.path, "tokenizer.ggml.pre '\(pre)' (supported: gpt2, default, llama-bpe, qwen2)")
        }

        var postProcessor: [String: Any] = ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true]
        if (addBOS && bos != nil) || (addEOS && eos != nil) {
            var single: [[String: Any]] = [], pair: [[String: Any]] = [], special: [String: Any] = [:]
            func piece(_ id: Int, _ typeID: Int) -> [String: Any] { ["SpecialToken": ["id": tokens[id], "type_id": typeID]] }
            func seq(_ s: String, _ typeID: Int) -> [String: Any] { ["Sequence": ["id": s, "type_id": typeID]] }
            for (typeID, s) in [(0, "A"), (1, "B")] {
                var part: [[String: Any]] = []
                if addBOS, let b = bos { part.append(piece(b, typeID)) }
                part.append(seq(s, typeID))
                if addEOS, let e = eos { part.append(piece(e, typeID)) }
                if typeID == 0 { single = part }
                pair += part
            }
            for id in [addBOS ? bos : nil, addEOS ? eos : nil].compactMap({ $0 }) {
                special[tokens[id]] = ["id": tokens[id], "ids": [id], "tokens": [tokens[id]]]
            }
            postProcessor = ["type": "Sequence", "processors": [
                ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true],
                ["type": "TemplateProcessing", "single": single, "pair": pair, "special_tokens": special],
            ]]
        }

        let tokenizer: [String: Any] = [
            "version": "1.0",
            "truncation": NSNull(),
            "padding": NSNull(),
            "added_tokens": added,
            "normalizer": NSNull(),
            "pre_tokenizer": preTokenizer,
            "post_processor": postProcessor,
            "decoder": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true],
            "model": [
                "type": "BPE", "dropout": NSNull(), "unk_token": unk.map { tokens[$0] } ?? NSNull(),
                "continuing_subword_prefix": NSNull(), "end_of_word_suffix": NSNull(), "fuse_unk": false,
                "byte_fallback": false, "ignore_merges": pre == "llama-bpe" || pre == "llama3",
                "vocab": vocab, "merges": merges,
            ] as [String: Any],
        ]
        var config: [String: Any] = [
            "tokenizer_class": "PreTrainedTokenizerFast",
            "clean_up_tokenization_spaces": false,
            "add_bos_token": addBOS,
            "add_eos_token": addEOS,
            "added_tokens_decoder": decoderTable,
        ]
        if let ctx = file.metadata["\(file.metadata["general.architecture"]?.string ?? "").context_length"]?.int {
            config["model_max_length"] = ctx
        }
        for (key, id) in [("bos_token", bos), ("eos_token", eos), ("unk_token", unk), ("pad_token", pad)] {
            if let id { config[key] = tokens[id] }
        }
        if let template = meta["tokenizer.chat_template"]?.string { config["chat_template"] = template }
        return HuggingFaceFiles(tokenizer: tokenizer, config: config)
    }

    static func byteLevel(useRegex: Bool) -> [String: Any] {
        ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": useRegex]
    }

    static func split(_ pattern: String) -> [String: Any] {
        ["type": "Sequence", "pretokenizers": [
            ["type": "Split", "pattern": ["Regex": pattern], "behavior": "Isolated", "invert": false] as [String: Any],
            byteLevel(useRegex: false),
        ]]
    }

    // MARK: Hugging Face -> GGUF

    /// The `tokenizer.*` metadata for a Hugging Face byte-level BPE tokenizer folder. `config` (config.json)
    /// supplies token ids tokenizer_config.json does not name. Returns no entries (with a note) for tokenizers of
    /// other kinds.
    public static func ggufMetadata(tokenizer: [String: Any], tokenizerConfig: [String: Any]?, config: [String: Any],
                                    path: String, notes: inout [String]) throws -> [(String, GGUFValue)] {
        let root = JSONFields(dict: tokenizer, path: path)
        guard let model = try root.object("model"), try JSONFields(dict: model, path: path).string("type") == "BPE" else {
            notes.append("\(path): not a BPE model: no tokenizer metadata written")
            return []
        }
        if model["byte_fallback"] as? Bool == true {
            return try GGUFSentencePieceMapping.ggufMetadata(tokenizer: tokenizer, tokenizerConfig: tokenizerConfig,
                                                             config: config, path: path)
        }
        guard let pre = preName(tokenizer["pre_tokenizer"]) else {
            notes.append("\(path): pre-tokenizer not recognised (GPT-2, Llama 3 or Qwen2 style): no tokenizer metadata written")
            return []
        }
        guard let vocab = model["vocab"] as? [String: Any] else {
            throw GGUFError.invalidArgument("\(path): model.vocab is missing or not an object")
        }
        var byID: [Int: String] = [:]
        var special: [Int: Bool] = [:]
        for (token, raw) in vocab {
            guard let id = try JSONFields(dict: ["id": raw], path: path).int("id"), id >= 0, id < 10_000_000 else {
                throw GGUFError.invalidArgument("\(path): model.vocab[\(token)] is not a token id")
            }
            byID[id] = token
        }
        for (i, a) in ((tokenizer["added_tokens"] as? [[String: Any]]) ?? []).enumerated() {
            let f = JSONFields(dict: a, path: path)
            guard let id = try f.int("id"), id >= 0, id < 10_000_000, let content = try f.string("content") else {
                throw GGUFError.invalidArgument("\(path): added_tokens[\(i)] has no id or content")
            }
            byID[id] = content
            special[id] = try f.bool("special") ?? false
        }
        let count = (byID.keys.max() ?? -1) + 1
        var tokens: [GGUFValue] = [], types: [GGUFValue] = []
        tokens.reserveCapacity(count)
        for id in 0..<count {
            if let t = byID[id] {
                tokens.append(.string(t))
                let type: TokenType = special[id].map { $0 ? .control : .userDefined } ?? .normal
                types.append(.int32(type.rawValue))
            } else {
                tokens.append(.string("[PAD\(id)]"))
                types.append(.int32(TokenType.unused.rawValue))
            }
        }
        var merges: [GGUFValue] = []
        for (i, m) in ((model["merges"] as? [Any]) ?? []).enumerated() {
            if let s = m as? String { merges.append(.string(s)) } else if let p = m as? [String], p.count == 2 {
                merges.append(.string(p[0] + " " + p[1]))
            } else {
                throw GGUFError.invalidArgument("\(path): model.merges[\(i)] is neither \"a b\" nor [\"a\", \"b\"]")
            }
        }
        var m: [(String, GGUFValue)] = [
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string(pre)),
            ("tokenizer.ggml.tokens", .array(elementType: .string, tokens)),
            ("tokenizer.ggml.token_type", .array(elementType: .int32, types)),
            ("tokenizer.ggml.merges", .array(elementType: .string, merges)),
        ]
        m += try specialMetadata(byID: byID, count: count, tokenizer: tokenizer, tokenizerConfig: tokenizerConfig, config: config)
        return m
    }

    /// `tokenizer.ggml.{bos,eos,unknown,padding}_token_id`, `add_bos_token`/`add_eos_token` and
    /// `tokenizer.chat_template` from tokenizer_config.json (token strings, or `{content}` objects), falling back
    /// to config.json's ids and, for add_bos/add_eos, to whether the post-processor adds BOS/EOS.
    static func specialMetadata(byID: [Int: String], count: Int, tokenizer: [String: Any], tokenizerConfig: [String: Any]?,
                                config: [String: Any]) throws -> [(String, GGUFValue)] {
        var m: [(String, GGUFValue)] = []
        let ids = Dictionary(byID.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        let tc = JSONFields(dict: tokenizerConfig ?? [:], path: "tokenizer_config.json")
        let cf = JSONFields(dict: config, path: "config.json")
        func tokenString(_ key: String) -> String? {
            if let s = tokenizerConfig?[key] as? String { return s }
            return (tokenizerConfig?[key] as? [String: Any])?["content"] as? String
        }
        var found: [String: Int] = [:]
        for (key, hfToken, hfID) in [("bos_token_id", "bos_token", "bos_token_id"), ("eos_token_id", "eos_token", "eos_token_id"),
                                     ("unknown_token_id", "unk_token", "unk_token_id"), ("padding_token_id", "pad_token", "pad_token_id")] {
            let named = tokenString(hfToken).flatMap { ids[$0] }
            if let id = try named ?? cf.firstInt(hfID), id >= 0, id < count {
                m.append(("tokenizer.ggml.\(key)", .uint32(UInt32(id))))
                found[key] = id
            }
        }
        let added = postProcessorSpecials(tokenizer["post_processor"])
        let addBOS = try tc.bool("add_bos_token") ?? found["bos_token_id"].map { byID[$0].map(added.contains) ?? false }
        let addEOS = try tc.bool("add_eos_token") ?? found["eos_token_id"].map { byID[$0].map(added.contains) ?? false }
        if let b = addBOS { m.append(("tokenizer.ggml.add_bos_token", .bool(b))) }
        if let e = addEOS { m.append(("tokenizer.ggml.add_eos_token", .bool(e))) }
        if let t = tokenizerConfig?["chat_template"] as? String {
            m.append(("tokenizer.chat_template", .string(t)))
        } else if let list = tokenizerConfig?["chat_template"] as? [[String: Any]],
                  let t = list.first(where: { $0["name"] as? String == "default" })?["template"] as? String {
            m.append(("tokenizer.chat_template", .string(t)))
        }
        return m
    }

    /// The special tokens a TemplateProcessing post-processor (alone or in a Sequence) puts around a single text.
    static func postProcessorSpecials(_ pp: Any?) -> Set<String> {
        guard let p = pp as? [String: Any] else { return [] }
        if p["type"] as? String == "Sequence" {
            return ((p["processors"] as? [Any]) ?? []).reduce(into: Set<String>()) { $0.formUnion(postProcessorSpecials($1)) }
        }
        guard p["type"] as? String == "TemplateProcessing", let single = p["single"] as? [[String: Any]] else { return [] }
        return Set(single.compactMap { ($0["SpecialToken"] as? [String: Any])?["id"] as? String })
    }

    /// llama.cpp's `tokenizer.ggml.pre` name for a tokenizer.json pre-tokenizer, or nil if not one we know.
    static func preName(_ pre: Any?) -> String? {
        guard let p = pre as? [String: Any], let type = p["type"] as? String else { return nil }
        if type == "ByteLevel" { return (p["use_regex"] as? Bool ?? true) ? "gpt2" : nil }
        guard type == "Sequence", let list = p["pretokenizers"] as? [[String: Any]] else { return nil }
        let pattern = list.lazy.compactMap { ($0["pattern"] as? [String: Any])?["Regex"] as? String }.first
        guard list.contains(where: { $0["type"] as? String == "ByteLevel" }) else { return nil }
        switch pattern {
        case llama3Pattern?: return "llama-bpe"
        case qwen2Pattern?: return "qwen2"
        default: return nil
        }
    }
}
