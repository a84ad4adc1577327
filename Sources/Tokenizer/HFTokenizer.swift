import Foundation

/// A Hugging Face `tokenizer.json` with a BPE model, run as HF `tokenizers` runs it: added tokens are cut out
/// (first those matched in the raw text, then, after normalisation, those marked `normalized`), each stretch between
/// them is normalised, pre-tokenised and given to the model, and the post-processor adds special tokens. Decoding
/// maps ids to token strings and runs the decoder chain. Covers GPT-2, Llama 2/3, Mistral, Qwen2, SmolLM2 and
/// Gemma style files; BPETokenizer stays the (faster) type for GPT-2 byte-level files and for training.
///
/// `encode` is safe to call from several threads (the model's word cache is behind a lock, so they take turns).
public final class HFTokenizer: @unchecked Sendable {
    /// Tokens matched verbatim before the model, in id order.
    public let addedTokens: [AddedToken]
    /// The model's vocabulary (token string -> id), without added tokens that are not in it.
    public var vocab: [String: Int] { model.vocab }

    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let model: BPEModel
    let postProcessor: PostProcessor?
    let decoder: Decoder?
    /// Added tokens looked for in the raw input, and those (with normalised content) looked for after normalisation.
    let rawMatcher: AddedTokenMatcher
    let normalizedMatcher: AddedTokenMatcher
    let tokenForId: [String?]
    /// What decode reads for each id: tokenForId, except that added tokens matched after normalisation read as
    /// their normalised content (as HF decodes them).
    let decodeTokenForId: [String?]
    let specialIds: Set<Int>
    private let addedIdForContent: [String: Int]

    /// The number of ids: one past the largest id of the vocabulary and added tokens.
    public var vocabularySize: Int { tokenForId.count }

    /// Loads a `tokenizer.json` file.
    public static func load(_ url: URL) throws -> HFTokenizer {
        try HFTokenizer(json: try AtomicFile.read(url.path), path: url.path)
    }

    /// Parses `tokenizer.json` content; `path` names the file in error messages. Every error is one line naming the
    /// file and field: a component type we do not implement (`tokenizer.json: pre_tokenizer type 'UnicodeScripts'
    /// is not supported`), a regex that does not compile, an id out of range or repeated, a duplicate JSON key, a
    /// member of the wrong type. The reader's bounds are those of JSONReader (1 GiB, nesting 64). `truncation` must
    /// be null (it would change encode's output); `padding` only concerns batches and is ignored.
    public init(json data: Data, path: String = "tokenizer.json") throws {
        let root = try JSONNode.parse(data, file: path)
        guard case .object = root.value else { throw root.fail("is not a JSON object") }
        if let t = try root.optional("truncation") { throw TokenizerError.unsupported(path: path, field: t.field, value: "non-null") }
        let parts = try TokenizerJSONModel(root: root)
        normalizer = try root.optional("normalizer")?.normalizer()
        var pre = try root.optional("pre_tokenizer")?.preTokenizer()
        var options = parts.options
        // A trailing ByteLevel leaves the byte mapping to the model, which then reads raw bytes.
        if var last = pre as? ByteLevelPreTokenizer {
            last.mapBytes = false
            pre = last
            options.byteLevel = true
        } else if let sequence = pre as? SequencePreTokenizer, var last = sequence.stages.last as? ByteLevelPreTokenizer {
            last.mapBytes = false
            options.byteLevel = true
            // Without prefix space and regex it would hand each piece on unchanged (Llama 3, Qwen2): leave it out.
            let stages = last.addPrefixSpace || last.useRegex ? sequence.stages.dropLast() + [last] : Array(sequence.stages.dropLast())
            pre = stages.count == 1 ? stages[0] : SequencePreTokenizer(stages: stages)
        }
        preTokenizer = pre
        postProcessor = try root.optional("post_processor")?.postProcessor()
        decoder = try root.optional("decoder")?.decoder()
        model = try BPEModel(vocab: parts.vocab, merges: parts.merges, options: options, file: path)

        addedTokens = parts.addedTokens.sorted { $0.id < $1.id }
        let normalize = normalizer
        rawMatcher = AddedTokenMatcher(addedTokens.filter { !$0.normalized || normalize == nil })
        let normalizedTokens = addedTokens.compactMap { t -> AddedToken? in
            guard t.normalized, let normalize else { return nil }
            var copy = t
            copy.content = String(decoding: normalize.normalize(Array(t.content.utf8)), as: UTF8.self)
            return copy.content.isEmpty ? nil : copy
        }
        normalizedMatcher = AddedTokenMatcher(normalizedTokens)
        var tokens = [String?](repeating: nil, count: parts.idCount)
        for (token, id) in parts.vocab { tokens[id] = token }
        for t in addedTokens { tokens[t.id] = t.content }
        tokenForId = tokens
        for t in normalizedTokens { tokens[t.id] = t.content }
        decodeTokenForId = tokens
        specialIds = Set(addedTokens.filter(\.special).map(\.id))
        addedIdForContent = Dictionary(addedTokens.map { ($0.content, $0.id) }, uniquingKeysWith: { a, _ in a })
    }

    /// The id of a token string (an added token's content first, then the model's vocabulary).
    public func id(for token: String) -> Int? { addedIdForContent[token] ?? model.vocab[token] }

    /// The token string of an id.
    public func token(for id: Int) -> String? { id >= 0 && id < tokenForId.count ? tokenForId[id] : nil }

    /// The ids of `text` (and of `pair`, when given), with the post-processor's special tokens when
    /// `addSpecialTokens` (HF's `encode(text, add_special_tokens=True)`, its default).
    public func encode(_ text: String, pair: String? = nil, addSpecialTokens: Bool = true) -> [Int] {
        model.cache.lock.lock()
        defer { model.cache.lock.unlock() }
        let a = encodeSequence(text)
        let b = pair.map { encodeSequence($0) }
        if addSpecialTokens, let postProcessor { return postProcessor.process(a, b) }
        guard let b else { return a }
        return a + b
    }

    /// The text of `ids`: each id's token string (added tokens included, special ones left out when
    /// `skipSpecialTokens`), through the decoder chain; throws on an id that names no token.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) throws -> String {
        var tokens: [String] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            guard id >= 0 && id < decodeTokenForId.count, let token = decodeTokenForId[id] else { throw TokenizerError.unknownId(id) }
            if skipSpecialTokens && specialIds.contains(id) { continue }
            tokens.append(token)
        }
        guard let decoder else { return tokens.joined(separator: " ") }
        return decoder.decodeChain(tokens).joined()
    }

    private func encodeSequence(_ text: String) -> [Int] {
        var out: [Int] = []
        var text = text
        text.withUTF8 { b in
            guard let p = b.baseAddress, b.count > 0 else { return }
            out.reserveCapacity(b.count / 3 + 4)
            if rawMatcher.isEmpty {
                encodeStretch(p, b.count, atOrigin: true, &out)
            } else {
                rawMatcher.split(p, count: b.count, text: { s, e in encodeStretch(p + s, e - s, atOrigin: s == 0, &out) },
                                 token: { out.append($0) })
            }
        }
        return out
    }

    /// Normalises the text between two raw-matched added tokens, cuts out the normalised added tokens, and encodes
    /// the rest.
    private func encodeStretch(_ p: UnsafePointer<UInt8>, _ n: Int, atOrigin: Bool, _ out: inout [Int]) {
        guard let normalizer else { return encodePreTokens(p, n, atOrigin: atOrigin, &out) }
        let normalized = normalizer.normalize(Array(UnsafeBufferPointer(start: p, count: n)))
        normalized.withUnsafeBufferPointer { b in
            guard let q = b.baseAddress, b.count > 0 else { return }
            if normalizedMatcher.isEmpty { return encodePreTokens(q, b.count, atOrigin: atOrigin, &out) }
            normalizedMatcher.split(q, count: b.count,
                                    text: { s, e in encodePreTokens(q + s, e - s, atOrigin: atOrigin && s == 0, &out) },
                                    token: { out.append($0) })
        }
    }

    private func encodePreTokens(_ p: UnsafePointer<UInt8>, _ n: Int, atOrigin: Bool, _ out: inout [Int]) {
        guard n > 0 else { return }
        guard let preTokenizer else { return model.encode(p, n, into: &out) }
        preTokenizer.forEachPiece(p, n, atOrigin: atOrigin) { q, m, _ in model.encode(q, m, into: &out) }
    }
}
