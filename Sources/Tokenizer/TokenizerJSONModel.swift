import Foundation

/// The `model` and `added_tokens` parts of a `tokenizer.json`, read and checked the same way for BPETokenizer and
/// HFTokenizer.
///
/// Checks, all before anything is allocated by id: every id is an integer in 0..<(vocab entries + added tokens)
/// (so a file cannot make us allocate more than it holds), no two vocab entries share an id, no two added tokens
/// share an id, and an added token whose id is also a vocab id has that entry's content.
struct TokenizerJSONModel {
    var vocab: [String: Int]
    var merges: [BPEMerge]
    var addedTokens: [AddedToken]
    var options = BPEModel.Options()
    /// One past the largest id.
    var idCount: Int

    init(root: JSONNode) throws {
        let model = try root.required("model")
        let type = try model.string("type", default: "BPE")
        guard type == "BPE" else { throw TokenizerError.unsupported(path: root.file, field: "model.type", value: type) }
        if let dropout = try model.optional("dropout") {
            throw TokenizerError.unsupported(path: root.file, field: dropout.field, value: dropout.value.shortText)
        }
        options.unkToken = try model.optional("unk_token")?.string()
        options.prefix = try model.optional("continuing_subword_prefix")?.string()
        options.suffix = try model.optional("end_of_word_suffix")?.string()
        options.fuseUnk = try model.bool("fuse_unk", default: false)
        options.byteFallback = try model.bool("byte_fallback", default: false)
        options.ignoreMerges = try model.bool("ignore_merges", default: false)

        let vocabEntries = try model.required("vocab").members()
        let addedNodes = try root.optional("added_tokens")?.array() ?? []
        let limit = vocabEntries.count + addedNodes.count
        var vocab: [String: Int] = [:]
        vocab.reserveCapacity(vocabEntries.count)
        var owner = [String?](repeating: nil, count: limit)
        for (token, node) in vocabEntries {
            let id = try node.int(in: 0...max(0, limit - 1))
            if let other = owner[id] { throw node.fail("repeats id \(id) (already '\(other)')") }
            owner[id] = token
            vocab[token] = id
        }
        var added: [AddedToken] = []
        var addedIds = Set<Int>()
        for node in addedNodes {
            let idNode = try node.required("id")
            let id = try idNode.int(in: 0...max(0, limit - 1))
            let content = try node.required("content").string()
            guard !content.isEmpty else { throw try node.required("content").fail("is empty") }
            guard addedIds.insert(id).inserted else { throw idNode.fail("repeats id \(id) of another added token") }
            if let other = owner[id], other != content {
                throw idNode.fail("is \(id), which model.vocab gives to '\(other)'")
            }
            let special = try node.bool("special", default: false)
            added.append(AddedToken(id: id, content: content, special: special,
                                    lstrip: try node.bool("lstrip", default: false), rstrip: try node.bool("rstrip", default: false),
                                    singleWord: try node.bool("single_word", default: false),
                                    normalized: try node.bool("normalized", default: !special)))
        }
        self.vocab = vocab
        addedTokens = added
        idCount = max(vocab.values.max() ?? -1, added.map(\.id).max() ?? -1) + 1

        merges = try model.required("merges").array().enumerated().map { i, node in
            if case .array = node.value {
                let pair = try node.array()
                if pair.count == 2 { return BPEMerge(try pair[0].string(), try pair[1].string()) }
            } else if case .string(let line) = node.value {
                let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                if parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty { return BPEMerge(String(parts[0]), String(parts[1])) }
            }
            throw TokenizerError.malformed(path: root.file, field: "model.merges[\(i)]",
                                           reason: "is neither a [\"a\", \"b\"] pair nor an \"a b\" string")
        }
    }
}
