import Foundation

/// Reading and writing Hugging Face `tokenizer.json` for a byte-level BPE: model type BPE, the ByteLevel
/// pre-tokenizer and decoder, added tokens, and merges either as `["a", "b"]` pairs or as `"a b"` strings.
extension BPETokenizer {
    /// Loads a `tokenizer.json`; throws naming the file and field when it is missing, malformed or uses a
    /// feature we do not implement (a normalizer, another model, BPE dropout, …).
    public convenience init(tokenizerJSON path: String) throws {
        let data = try AtomicFile.read(path)
        try self.init(tokenizerJSONData: data, path: path)
    }

    /// Parses `tokenizer.json` content; `path` is only used in error messages.
    public convenience init(tokenizerJSONData data: Data, path: String = "tokenizer.json") throws {
        let root: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw TokenizerError.malformed(path: path, field: "(root)", reason: "is not a JSON object")
            }
            root = object
        } catch let error as TokenizerError {
            throw error
        } catch {
            throw TokenizerError.malformed(path: path, field: "(root)", reason: "is not valid JSON")
        }
        func unsupportedUnlessNull(_ key: String, allowedTypes: [String] = []) throws {
            guard let value = root[key], !(value is NSNull) else { return }
            let type = (value as? [String: Any])?["type"] as? String ?? "\(value)"
            if !allowedTypes.contains(type) { throw TokenizerError.unsupported(path: path, field: key, value: type) }
        }
        try unsupportedUnlessNull("normalizer")
        try unsupportedUnlessNull("post_processor", allowedTypes: ["ByteLevel"])
        try unsupportedUnlessNull("decoder", allowedTypes: ["ByteLevel"])

        var options = BPEOptions()
        guard let pre = root["pre_tokenizer"] as? [String: Any] else {
            throw TokenizerError.malformed(path: path, field: "pre_tokenizer", reason: "is missing (need ByteLevel)")
        }
        guard pre["type"] as? String == "ByteLevel" else {
            throw TokenizerError.unsupported(path: path, field: "pre_tokenizer.type", value: "\(pre["type"] ?? "nil")")
        }
        options.addPrefixSpace = pre["add_prefix_space"] as? Bool ?? false
        options.useRegex = pre["use_regex"] as? Bool ?? true

        guard let model = root["model"] as? [String: Any] else {
            throw TokenizerError.malformed(path: path, field: "model", reason: "is missing or not an object")
        }
        let modelType = model["type"] as? String ?? "BPE"
        guard modelType == "BPE" else { throw TokenizerError.unsupported(path: path, field: "model.type", value: modelType) }
        for key in ["dropout", "continuing_subword_prefix", "end_of_word_suffix"] {
            if let v = model[key], !(v is NSNull) { throw TokenizerError.unsupported(path: path, field: "model.\(key)", value: "\(v)") }
        }
        if model["byte_fallback"] as? Bool == true {
            throw TokenizerError.unsupported(path: path, field: "model.byte_fallback", value: "true")
        }
        options.ignoreMerges = model["ignore_merges"] as? Bool ?? false
        options.fuseUnk = model["fuse_unk"] as? Bool ?? false
        options.unkToken = model["unk_token"] as? String

        guard let rawVocab = model["vocab"] as? [String: Any] else {
            throw TokenizerError.malformed(path: path, field: "model.vocab", reason: "is missing or not an object")
        }
        let vocab = try Self.parseVocab(rawVocab, path: path, field: "model.vocab")
        guard let rawMerges = model["merges"] as? [Any] else {
            throw TokenizerError.malformed(path: path, field: "model.merges", reason: "is missing or not an array")
        }
        let merges = try rawMerges.enumerated().map { i, m in try Self.parseMerge(m, index: i, path: path) }
        let added = try (root["added_tokens"] as? [Any] ?? []).enumerated().map { i, t in
            try Self.parseAddedToken(t, field: "added_tokens[\(i)]", path: path)
        }
        try self.init(vocab: vocab, merges: merges, addedTokens: added, options: options)
    }

    static func parseVocab(_ raw: [String: Any], path: String, field: String) throws -> [String: Int] {
        var vocab: [String: Int] = [:]
        vocab.reserveCapacity(raw.count)
        for (token, value) in raw {
            guard let number = value as? NSNumber, let id = Int(exactly: number.doubleValue), id >= 0 else {
                throw TokenizerError.malformed(path: path, field: "\(field)[\(token)]", reason: "is not a non-negative integer id")
            }
            vocab[token] = id
        }
        return vocab
    }

    static func parseMerge(_ raw: Any, index: Int, path: String) throws -> BPEMerge {
        if let pair = raw as? [Any], pair.count == 2, let a = pair[0] as? String, let b = pair[1] as? String {
            return BPEMerge(a, b)
        }
        if let line = raw as? String {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            if parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty { return BPEMerge(String(parts[0]), String(parts[1])) }
        }
        throw TokenizerError.malformed(path: path, field: "model.merges[\(index)]",
                                       reason: "is neither a [\"a\", \"b\"] pair nor an \"a b\" string")
    }

    static func parseAddedToken(_ raw: Any, field: String, path: String) throws -> AddedToken {
        guard let t = raw as? [String: Any], let content = t["content"] as? String,
              let id = (t["id"] as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }) else {
            throw TokenizerError.malformed(path: path, field: field, reason: "needs an integer 'id' and a string 'content'")
        }
        return AddedToken(id: id, content: content, special: t["special"] as? Bool ?? false,
                          lstrip: t["lstrip"] as? Bool ?? false, rstrip: t["rstrip"] as? Bool ?? false,
                          singleWord: t["single_word"] as? Bool ?? false, normalized: t["normalized"] as? Bool ?? false)
    }

    /// `tokenizer.json` text laid out as HF writes it (vocabulary in id order, merges as pairs), so a tokenizer
    /// trained here and one trained by HF on the same data serialise to the same bytes.
    public func tokenizerJSONString() -> String {
        func bool(_ b: Bool) -> String { b ? "true" : "false" }
        let added = addedTokens.map { t in
            JSONText.object([("id", "\(t.id)"), ("content", JSONText.quote(t.content)),
                             ("single_word", bool(t.singleWord)), ("lstrip", bool(t.lstrip)), ("rstrip", bool(t.rstrip)),
                             ("normalized", bool(t.normalized)), ("special", bool(t.special))], indent: 2)
        }
        let byteLevel = { (prefix: Bool) in
            JSONText.object([("type", "\"ByteLevel\""), ("add_prefix_space", bool(prefix)), ("trim_offsets", "true"),
                             ("use_regex", bool(self.options.useRegex))], indent: 1)
        }
        let decoder = JSONText.object([("type", "\"ByteLevel\""), ("add_prefix_space", "true"), ("trim_offsets", "true"),
                                       ("use_regex", "true")], indent: 1)
        let vocabItems = vocab.sorted { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key }
            .map { JSONText.quote($0.key) + ": \($0.value)" }
        let mergeItems = merges.map {
            JSONText.container([JSONText.quote($0.left), JSONText.quote($0.right)], open: "[", close: "]", indent: 3)
        }
        let model = JSONText.object([
            ("type", "\"BPE\""), ("dropout", "null"), ("unk_token", options.unkToken.map(JSONText.quote) ?? "null"),
            ("continuing_subword_prefix", "null"), ("end_of_word_suffix", "null"), ("fuse_unk", bool(options.fuseUnk)),
            ("byte_fallback", "false"), ("ignore_merges", bool(options.ignoreMerges)),
            ("vocab", JSONText.container(vocabItems, open: "{", close: "}", indent: 2)),
            ("merges", JSONText.container(mergeItems, open: "[", close: "]", indent: 2)),
        ], indent: 1)
        return JSONText.object([
            ("version", "\"1.0\""), ("truncation", "null"), ("padding", "null"),
            ("added_tokens", JSONText.container(added, open: "[", close: "]", indent: 1)),
            ("normalizer", "null"), ("pre_tokenizer", byteLevel(options.addPrefixSpace)), ("post_processor", "null"),
            ("decoder", decoder), ("model", model),
        ], indent: 0)
    }

    /// Writes `tokenizer.json` atomically (temporary file, then rename).
    public func writeTokenizerJSON(to path: String) throws {
        try AtomicFile.write(Data(tokenizerJSONString().utf8), to: path)
    }
}
