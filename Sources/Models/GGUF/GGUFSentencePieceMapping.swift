import Foundation

/// SentencePiece vocabularies in GGUF (`tokenizer.ggml.model` "llama": Llama 2, Mistral, TinyLlama, Gemma) ↔ a
/// Hugging Face BPE `tokenizer.json` with byte fallback, the form `transformers` converts such vocabularies to
/// (`LlamaTokenizerFast`, legacy): Metaspace pre-tokenizer (▁, prepended unless `tokenizer.ggml.add_space_prefix`
/// is false), BPE with `byte_fallback` and `fuse_unk`, the decoder Replace(▁ → " ") · ByteFallback · Fuse ·
/// Strip(1 leading space), BOS/EOS added per `add_bos_token`/`add_eos_token`.
///
/// The merges are rebuilt from the vocabulary as `transformers`' `generate_merges` does (5.x): for every piece, in
/// id order, each split into two pieces both in the vocabulary, ordered by (id of the piece, length of the left
/// part) with ties kept in (left id, right id) order. Lengths count Unicode scalars, as Python does.
public enum GGUFSentencePieceMapping {
    /// The Hugging Face files for the SentencePiece vocabulary of `file`.
    public static func huggingFaceFiles(of file: GGUFFile) throws -> GGUFTokenizerMapping.HuggingFaceFiles {
        let meta = file.metadata
        guard let tokens = meta["tokenizer.ggml.tokens"]?.strings else {
            throw GGUFError.malformed(path: file.path, "tokenizer.ggml.tokens is missing or not an array of strings")
        }
        let types = meta["tokenizer.ggml.token_type"]?.array?.map { $0.int ?? 1 } ?? []
        guard types.isEmpty || types.count == tokens.count else {
            throw GGUFError.malformed(path: file.path, "tokenizer.ggml.token_type has \(types.count) entries for \(tokens.count) tokens")
        }
        func tokenID(_ key: String) throws -> Int? {
            guard let v = meta["tokenizer.ggml.\(key)"] else { return nil }
            guard let id = v.int, id >= 0, id < tokens.count else {
                throw GGUFError.malformed(path: file.path, "tokenizer.ggml.\(key) \(v) is not a token id below \(tokens.count)")
            }
            return id
        }
        let bos = try tokenID("bos_token_id"), eos = try tokenID("eos_token_id")
        let unk = try tokenID("unknown_token_id") ?? types.firstIndex(of: 2), pad = try tokenID("padding_token_id")
        let addBOS = meta["tokenizer.ggml.add_bos_token"]?.bool ?? true
        let addEOS = meta["tokenizer.ggml.add_eos_token"]?.bool ?? false
        let prefix = meta["tokenizer.ggml.add_space_prefix"]?.bool ?? true

        var vocab: [String: Int] = [:]
        for (id, t) in tokens.enumerated() where vocab[t] == nil { vocab[t] = id }
        let merges = generateMerges(tokens: tokens, vocab: vocab)

        var added: [[String: Any]] = [], decoderTable: [String: Any] = [:]
        for (id, t) in tokens.enumerated() {
            let type = types.isEmpty ? 1 : types[id]
            guard [2, 3, 4].contains(type) else { continue }
            let entry: [String: Any] = ["id": id, "content": t, "single_word": false, "lstrip": false, "rstrip": false,
                                        "normalized": false, "special": type != 4]
            added.append(entry)
            var d = entry
            d["id"] = nil
            decoderTable[String(id)] = d
        }

        var single: [[String: Any]] = [], pair: [[String: Any]] = [], special: [String: Any] = [:]
        for (typeID, s) in [(0, "A"), (1, "B")] {
            var part: [[String: Any]] = []
            if addBOS, let b = bos { part.append(["SpecialToken": ["id": tokens[b], "type_id": typeID]]) }
            part.append(["Sequence": ["id": s, "type_id": typeID]])
            if addEOS, let e = eos { part.append(["SpecialToken": ["id": tokens[e], "type_id": typeID]]) }
            if typeID == 0 { single = part }
            pair += part
        }
        for id in [addBOS ? bos : nil, addEOS ? eos : nil].compactMap({ $0 }) {
            special[tokens[id]] = ["id": tokens[id], "ids": [id], "tokens": [tokens[id]]]
        }
        var decoders: [[String: Any]] = [
            ["type": "Replace", "pattern": ["String": "▁"], "content": " "],
            ["type": "ByteFallback"],
            ["type": "Fuse"],
        ]
        if prefix { decoders.append(["type": "Strip", "content": " ", "start": 1, "stop": 0]) }
        let tokenizer: [String: Any] = [
            "version": "1.0",
            "truncation": NSNull(),
            "padding": NSNull(),
            "added_tokens": added,
            "normalizer": NSNull(),
            "pre_tokenizer": ["type": "Metaspace", "replacement": "▁", "prepend_scheme": prefix ? "always" : "never", "split": false],
            "post_processor": ["type": "TemplateProcessing", "single": single, "pair": pair, "special_tokens": special],
            "decoder": ["type": "Sequence", "decoders": decoders],
            "model": [
                "type": "BPE", "dropout": NSNull(), "unk_token": unk.map { tokens[$0] } ?? NSNull(),
                "continuing_subword_prefix": NSNull(), "end_of_word_suffix": NSNull(), "fuse_unk": true,
                "byte_fallback": true, "ignore_merges": false, "vocab": vocab, "merges": merges.map { [$0.0, $0.1] },
            ] as [String: Any],
        ]
        var config: [String: Any] = [
            "tokenizer_class": "LlamaTokenizerFast", "clean_up_tokenization_spaces": false, "legacy": true,
            "add_bos_token": addBOS, "add_eos_token": addEOS, "added_tokens_decoder": decoderTable,
        ]
        if let ctx = meta["\(meta["general.architecture"]?.string ?? "").context_length"]?.int { config["model_max_length"] = ctx }
        for (key, id) in [("bos_token", bos), ("eos_token", eos), ("unk_token", unk), ("pad_token", pad)] {
            if let id { config[key] = tokens[id] }
        }
        if let template = meta["tokenizer.chat_template"]?.string { config["chat_template"] = template }
        return GGUFTokenizerMapping.HuggingFaceFiles(tokenizer: tokenizer, config: config)
    }

    /// BPE merges implied by a SentencePiece vocabulary (see the type's documentation for the order).
    public static func generateMerges(tokens: [String], vocab: [String: Int]) -> [(String, String)] {
        var merges: [(id: Int, leftLength: Int, rightLength: Int, left: String, right: String)] = []
        for (id, piece) in tokens.enumerated() where vocab[piece] == id {
            let scalars = Array(piece.unicodeScalars)
            guard scalars.count > 1 else { continue }
            var local: [(Int, Int, String, String, Int)] = []
            for cut in 1..<scalars.count {
                var l = String.UnicodeScalarView(), r = String.UnicodeScalarView()
                l.append(contentsOf: scalars[..<cut]); r.append(contentsOf: scalars[cut...])
                let left = String(l), right = String(r)
                if let li = vocab[left], let ri = vocab[right] { local.append((li, ri, left, right, cut)) }
            }
            local.sort { ($0.0, $0.1) < ($1.0, $1.1) }
            for m in local { merges.append((id, m.4, scalars.count - m.4, m.2, m.3)) }
        }
        // A stable sort by (piece id, left length, right length), as Python's sorted.
        let order = merges.indices.sorted {
            let a = merges[$0], b = merges[$1]
            return (a.id, a.leftLength, a.rightLength, $0) < (b.id, b.leftLength, b.rightLength, $1)
        }
        return order.map { (merges[$0].left, merges[$0].right) }
    }
}
