import Foundation

/// GPT-2's original files: `vocab.json` (token -> id) and `merges.txt` (an optional `#version` line, then one
/// "left right" merge per line, in rank order).
extension BPETokenizer {
    /// Loads `vocab.json` + `merges.txt` with GPT-2's settings; `specialTokens` (which must be in the vocabulary)
    /// become added tokens, since these files do not list them.
    public convenience init(vocabJSON vocabPath: String, mergesTXT mergesPath: String,
                            specialTokens: [String] = []) throws {
        // The same strict reader as tokenizer.json: duplicate keys, non-integer ids and ids past the token count
        // are errors naming the file and token.
        let root = try JSONNode.parse(try AtomicFile.read(vocabPath), file: vocabPath)
        let entries = try root.members()
        var vocab: [String: Int] = [:]
        vocab.reserveCapacity(entries.count)
        for (token, node) in entries { vocab[token] = try node.int(in: 0...max(0, entries.count - 1)) }
        guard let text = String(data: try AtomicFile.read(mergesPath), encoding: .utf8) else {
            throw TokenizerError.io(path: mergesPath, reason: "is not valid UTF-8")
        }
        var merges: [BPEMerge] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if line.hasPrefix("#version") || line.isEmpty { continue }
            merges.append(try Self.parseMerge(String(line), index: merges.count, path: mergesPath))
        }
        let added = try specialTokens.map { token -> AddedToken in
            guard let id = vocab[token] else {
                throw TokenizerError.invalidArgument("special token '\(token)' is not in \(vocabPath)")
            }
            return AddedToken(id: id, content: token)
        }
        try self.init(vocab: vocab, merges: merges, addedTokens: added)
    }

    /// Writes `vocab.json` (compact, in id order) and `merges.txt` as HF's `model.save` does, each atomically.
    public func writeGPT2Files(vocabJSON vocabPath: String, mergesTXT mergesPath: String) throws {
        let items = vocab.sorted { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key }
            .map { JSONText.quote($0.key) + ":\($0.value)" }
        try AtomicFile.write(Data(("{" + items.joined(separator: ",") + "}").utf8), to: vocabPath)
        let lines = merges.map { $0.left + " " + $0.right + "\n" }.joined()
        try AtomicFile.write(Data(("#version: 0.2\n" + lines).utf8), to: mergesPath)
    }
}
