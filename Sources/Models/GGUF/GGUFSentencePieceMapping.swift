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
        let merges = try generateMerges(tokens: tokens, vocab: vocab, path: file.path)

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

    /// The `tokenizer.*` metadata (model "llama") for a byte-fallback BPE tokenizer.json. tokenizer.json keeps no
    /// SentencePiece scores, so each ordinary piece gets −id (SentencePiece's BPE convention: earlier pieces merge
    /// first), byte pieces `<0xXX>` and added tokens 0. Types: 2 the unknown token, 3 other special added tokens,
    /// 4 non-special added tokens, 6 byte pieces, 5 `[PAD{id}]` fillers, 1 the rest.
    public static func ggufMetadata(tokenizer: [String: Any], tokenizerConfig: [String: Any]?, config: [String: Any],
                                    path: String) throws -> [(String, GGUFValue)] {
        let model = tokenizer["model"] as? [String: Any] ?? [:]
        guard let vocab = model["vocab"] as? [String: Any] else {
            throw GGUFError.invalidArgument("\(path): model.vocab is missing or not an object")
        }
        var byID: [Int: String] = [:], special: [Int: Bool] = [:]
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
        let unk = model["unk_token"] as? String ?? (tokenizerConfig?["unk_token"] as? String)
        let count = (byID.keys.max() ?? -1) + 1
        var tokens: [GGUFValue] = [], scores: [GGUFValue] = [], types: [GGUFValue] = []
        for id in 0..<count {
            guard let t = byID[id] else {
                tokens.append(.string("[PAD\(id)]")); scores.append(.float32(0)); types.append(.int32(5))
                continue
            }
            tokens.append(.string(t))
            let isByte = t.count == 6 && t.hasPrefix("<0x") && t.hasSuffix(">") && UInt8(t.dropFirst(3).prefix(2), radix: 16) != nil
            let type: Int32 = t == unk ? 2 : special[id].map { $0 ? 3 : 4 } ?? (isByte ? 6 : 1)
            types.append(.int32(type))
            scores.append(.float32(type == 1 ? -Float(id) : 0))
        }
        let pre = tokenizer["pre_tokenizer"] as? [String: Any]
        let prepends = (pre?["type"] as? String == "Metaspace" && pre?["prepend_scheme"] as? String != "never")
            || "\(tokenizer["normalizer"] ?? "")".contains("Prepend")
        var m: [(String, GGUFValue)] = [
            ("tokenizer.ggml.model", .string("llama")),
            ("tokenizer.ggml.pre", .string("default")),
            ("tokenizer.ggml.tokens", .array(elementType: .string, tokens)),
            ("tokenizer.ggml.scores", .array(elementType: .float32, scores)),
            ("tokenizer.ggml.token_type", .array(elementType: .int32, types)),
            ("tokenizer.ggml.add_space_prefix", .bool(prepends)),
        ]
        m += try GGUFTokenizerMapping.specialMetadata(byID: byID, count: count, tokenizer: tokenizer,
                                                      tokenizerConfig: tokenizerConfig, config: config)
        return m
    }

    /// The most Unicode scalars the generated merges may hold, both halves of every merge together (2²⁶; a merge of
    /// a piece holds the piece's scalars). Real vocabularies need a few million (Gemma's 256 000 pieces); a file whose
    /// vocabulary implies more (every prefix of a long piece also a piece: output cubic in the pieces' length) is
    /// refused before it is built.
    public static let maxMergeScalars = 1 << 26

    /// BPE merges implied by a SentencePiece vocabulary (see the type's documentation for the order). The halves of
    /// a cut are matched against `tokens` scalar for scalar, as Python's dictionary in `generate_merges` does (not
    /// by Swift's canonical equivalence); their ids are `vocab`'s.
    ///
    /// Bounds: time and memory linear in the pieces' scalars plus the merges returned: which prefixes and which
    /// suffixes of a piece are pieces is found by one walk of a trie of the pieces (forwards) and one of their
    /// reversals (backwards), so only the cuts that make a merge build strings; the merges returned hold at most
    /// `limit` scalars (default `maxMergeScalars`), or this throws naming `path` and the limit.
    public static func generateMerges(tokens: [String], vocab: [String: Int], path: String = "tokenizer.ggml.tokens",
                                      limit: Int = maxMergeScalars) throws -> [(String, String)] {
        var steps = 0
        return try generateMerges(tokens: tokens, vocab: vocab, path: path, limit: limit, steps: &steps)
    }

    /// `generateMerges`, counting in `steps` the scalars it visits (trie edges walked or inserted, scalars copied into
    /// merges): the work the complexity test bounds.
    static func generateMerges(tokens: [String], vocab: [String: Int], path: String, limit: Int,
                               steps: inout Int) throws -> [(String, String)] {
        var forwards = ScalarTrie(), backwards = ScalarTrie()
        for t in tokens {
            let scalars = Array(t.unicodeScalars)
            forwards.insert(scalars, steps: &steps)
            backwards.insert(scalars.reversed(), steps: &steps)
        }
        var merges: [(id: Int, leftLength: Int, rightLength: Int, left: String, right: String)] = []
        var built = 0
        for (id, piece) in tokens.enumerated() where vocab[piece] == id {
            let scalars = Array(piece.unicodeScalars)
            let n = scalars.count
            guard n > 1 else { continue }
            // isLeft[k]: scalars[..<k] is a piece; isRight[k]: scalars[k...] is one (0 < k < n).
            var isLeft = [Bool](repeating: false, count: n), isRight = [Bool](repeating: false, count: n)
            var node = 0
            for k in 0..<(n - 1) {
                guard let next = forwards.child(node, scalars[k]) else { break }
                steps += 1
                node = next
                isLeft[k + 1] = forwards.isEnd[next]
            }
            node = 0
            for k in stride(from: n - 1, to: 0, by: -1) {
                guard let next = backwards.child(node, scalars[k]) else { break }
                steps += 1
                node = next
                isRight[k] = backwards.isEnd[next]
            }
            var local: [(Int, Int, String, String, Int)] = []
            for cut in 1..<n where isLeft[cut] && isRight[cut] {
                built += n
                guard built <= limit else {
                    throw GGUFError.unsupported(path: path, "the vocabulary implies BPE merges of more than \(limit) scalars (the limit)")
                }
                steps += n
                var l = String.UnicodeScalarView(), r = String.UnicodeScalarView()
                l.append(contentsOf: scalars[..<cut]); r.append(contentsOf: scalars[cut...])
                let left = String(l), right = String(r)
                if let li = vocab[left], let ri = vocab[right] { local.append((li, ri, left, right, cut)) }
            }
            local.sort { ($0.0, $0.1) < ($1.0, $1.1) }
            for m in local { merges.append((id, m.4, n - m.4, m.2, m.3)) }
        }
        // A stable sort by (piece id, left length, right length), as Python's sorted.
        let order = merges.indices.sorted {
            let a = merges[$0], b = merges[$1]
            return (a.id, a.leftLength, a.rightLength, $0) < (b.id, b.leftLength, b.rightLength, $1)
        }
        return order.map { (merges[$0].left, merges[$0].right) }
    }
}

/// A trie of scalar sequences in one hash table (node, scalar) → child, so that every prefix of a sequence that was
/// inserted is found in one walk; node 0 is the root.
struct ScalarTrie {
    private var children: [UInt64: Int] = [:]
    /// Whether an inserted sequence ends at the node.
    private(set) var isEnd: [Bool] = [false]

    /// The child of `node` along `scalar`, if any sequence inserted goes there.
    func child(_ node: Int, _ scalar: Unicode.Scalar) -> Int? {
        children[UInt64(node) << 21 | UInt64(scalar.value)]
    }

    /// Adds `scalars`, counting each edge in `steps`.
    mutating func insert<S: Sequence<Unicode.Scalar>>(_ scalars: S, steps: inout Int) {
        var node = 0
        for s in scalars {
            steps += 1
            let key = UInt64(node) << 21 | UInt64(s.value)
            if let next = children[key] { node = next; continue }
            children[key] = isEnd.count
            node = isEnd.count
            isEnd.append(false)
        }
        isEnd[node] = true
    }
}
