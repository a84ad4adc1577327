import Foundation

/// What the layers above need of a tokenizer, whichever pipeline it is: text to ids (with the special tokens the
/// tokenizer's post-processor adds, as `transformers` does by default), ids to text, and the vocabulary.
public protocol TextTokenizer: AnyObject {
    /// The ids of `text`.
    func encode(_ text: String) -> [Int]
    /// The text of `ids`, optionally without special tokens.
    func decode(_ ids: [Int], skipSpecialTokens: Bool) throws -> String
    /// The id of a token (vocabulary entry or added token), if any.
    func id(for token: String) -> Int?
    /// Number of ids.
    var vocabularySize: Int { get }
}

extension TextTokenizer {
    /// The text of `ids`, special tokens included.
    public func decode(_ ids: [Int]) throws -> String { try decode(ids, skipSpecialTokens: false) }
}

extension BPETokenizer: TextTokenizer {}

extension HFTokenizer: TextTokenizer {
    /// The ids of `text` with the post-processor's special tokens.
    public func encode(_ text: String) -> [Int] { encode(text, pair: nil, addSpecialTokens: true) }
}

/// Opens a `tokenizer.json` with the fastest pipeline that reproduces it: the byte-level BPE fast path for GPT-2's
/// shape (which TinyAlign's own tokenizers have), the general `tokenizer.json` pipeline for everything else
/// (Llama 3, Qwen2, SentencePiece-style BPE, …).
public enum TokenizerLoader {
    /// The tokenizer of `data` (the bytes of `path`).
    public static func load(json data: Data, path: String) throws -> any TextTokenizer {
        if isGPT2Shape(data) { return try BPETokenizer(tokenizerJSONData: data, path: path) }
        return try HFTokenizer(json: data, path: path)
    }

    /// The tokenizer of a `tokenizer.json` file.
    public static func load(_ url: URL) throws -> any TextTokenizer {
        guard let data = try? Data(contentsOf: url) else {
            throw TokenizerError.io(path: url.path, reason: "cannot read the file")
        }
        return try load(json: data, path: url.path)
    }

    /// No normalizer, a ByteLevel pre-tokenizer with the GPT-2 regex and no prefix space, no post-processor (or a
    /// ByteLevel one), a ByteLevel decoder, and a plain BPE model: what `BPETokenizer` reproduces exactly.
    static func isGPT2Shape(_ data: Data) -> Bool {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
        func type(_ key: String) -> String? { (root[key] as? [String: Any])?["type"] as? String }
        guard root["normalizer"] == nil || root["normalizer"] is NSNull else { return false }
        guard let pre = root["pre_tokenizer"] as? [String: Any], pre["type"] as? String == "ByteLevel",
              (pre["use_regex"] as? Bool ?? true), !(pre["add_prefix_space"] as? Bool ?? false) else { return false }
        if let post = root["post_processor"], !(post is NSNull), type("post_processor") != "ByteLevel" { return false }
        guard type("decoder") == "ByteLevel", let model = root["model"] as? [String: Any], model["type"] as? String == "BPE" else {
            return false
        }
        let plain = !(model["byte_fallback"] as? Bool ?? false) && (model["continuing_subword_prefix"] ?? NSNull()) is NSNull
            && (model["end_of_word_suffix"] ?? NSNull()) is NSNull && !(model["ignore_merges"] as? Bool ?? false)
        return plain
    }
}
