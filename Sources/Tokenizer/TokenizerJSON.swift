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

    /// Parses `tokenizer.json` content; `path` is only used in error messages. The file is read strictly (a
    /// repeated key, a member of the wrong type, an id outside 0..<(vocab entries + added tokens) or a repeated id
    /// is an error naming the field; see TokenizerJSONModel and JSONReader for the bounds). Files with other
    /// pipeline stages (normalizers, other pre-tokenizers, byte fallback, …) load with HFTokenizer instead.
    public convenience init(tokenizerJSONData data: Data, path: String = "tokenizer.json") throws {
        let root = try JSONNode.parse(data, file: path)
        guard case .object = root.value else { throw root.fail("is not a JSON object") }
        func unsupportedUnlessNull(_ key: String, allowedTypes: [String] = []) throws {
            guard let node = try root.optional(key) else { return }
            let type = (try? node.componentType()) ?? node.value.shortText
            if !allowedTypes.contains(type) { throw TokenizerError.unsupported(path: path, field: key, value: type) }
        }
        try unsupportedUnlessNull("normalizer")
        try unsupportedUnlessNull("post_processor", allowedTypes: ["ByteLevel"])
        try unsupportedUnlessNull("decoder", allowedTypes: ["ByteLevel"])

        var options = BPEOptions()
        guard let pre = try root.optional("pre_tokenizer") else {
            throw TokenizerError.malformed(path: path, field: "pre_tokenizer", reason: "is missing (need ByteLevel)")
        }
        let preType = try pre.componentType()
        guard preType == "ByteLevel" else { throw TokenizerError.unsupported(path: path, field: "pre_tokenizer.type", value: preType) }
        options.addPrefixSpace = try pre.bool("add_prefix_space", default: false)
        options.useRegex = try pre.bool("use_regex", default: true)

        let model = try root.required("model")
        let modelType = try model.string("type", default: "BPE")
        guard modelType == "BPE" else { throw TokenizerError.unsupported(path: path, field: "model.type", value: modelType) }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let v = try model.optional(key) { throw TokenizerError.unsupported(path: path, field: v.field, value: v.value.shortText) }
        }
        if try model.bool("byte_fallback", default: false) {
            throw TokenizerError.unsupported(path: path, field: "model.byte_fallback", value: "true")
        }
        let parts = try TokenizerJSONModel(root: root)
        options.ignoreMerges = parts.options.ignoreMerges
        options.fuseUnk = parts.options.fuseUnk
        options.unkToken = parts.options.unkToken
        try self.init(vocab: parts.vocab, merges: parts.merges, addedTokens: parts.addedTokens, options: options)
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
            ("type", "\"BPE\""), ("dropout", "null"), ("unk_token", options.unkToken.map { JSONText.quote($0) } ?? "null"),
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
