import Foundation

/// One merge rule: the two tokens (byte-level strings) that join into one. Its position in the list is its rank.
public struct BPEMerge: Hashable, Sendable {
    /// Left token.
    public var left: String
    /// Right token.
    public var right: String
    /// A merge of `left` and `right`.
    public init(_ left: String, _ right: String) { self.left = left; self.right = right }
}

/// Settings of HF's ByteLevel pre-tokenizer and BPE model that change how text becomes ids.
public struct BPEOptions: Equatable, Sendable {
    /// Prepend a space to text that does not start with one (GPT-2 leaves it off).
    public var addPrefixSpace = false
    /// Split with GPT-2's pattern; when false each stretch of text between added tokens is one word.
    public var useRegex = true
    /// Look a whole word up in the vocabulary before merging (HF's `ignore_merges`).
    public var ignoreMerges = false
    /// Token used for bytes missing from the vocabulary; without it such bytes are dropped (as in HF).
    public var unkToken: String? = nil
    /// Whether consecutive unknown bytes become a single unknown token.
    public var fuseUnk = false
    /// GPT-2's settings.
    public init() {}
}

/// A byte-level BPE tokenizer that encodes and decodes like Hugging Face `tokenizers` with a BPE model, the
/// ByteLevel pre-tokenizer and decoder, and added tokens. `encode` is safe to call from several threads (the word
/// cache is behind a lock, so they take turns).
public final class BPETokenizer: @unchecked Sendable {
    /// Byte-level token string -> id (the model's vocabulary, without added tokens that are not in it).
    public let vocab: [String: Int]
    /// Merge rules in rank order.
    public let merges: [BPEMerge]
    /// Tokens matched verbatim before pre-tokenisation, in id order.
    public let addedTokens: [AddedToken]
    /// Pre-tokenizer and model settings.
    public let options: BPEOptions

    /// Token string of each id (model and added tokens), nil where no token has that id.
    let tokenForId: [String?]
    /// Bytes each id decodes to.
    let bytesForId: [[UInt8]?]
    /// Ids of added tokens marked special.
    let specialIds: Set<Int>
    /// Id of the one-byte token of each byte value, -1 if the vocabulary lacks it.
    let idForByte: [Int32]
    /// (left id << 32 | right id) -> (rank << 32 | merged id).
    let mergeTable: [UInt64: UInt64]
    let unkId: Int32?
    let matcher: AddedTokenMatcher
    let cache: WordCache

    /// The number of ids: one past the largest id of the vocabulary and added tokens.
    public var vocabularySize: Int { tokenForId.count }

    /// Builds a tokenizer; throws if a merge names a token missing from `vocab`, if a merge result is missing
    /// from it, or if an id is outside 0..<(vocab.count + addedTokens.count), repeated, or given to an added token
    /// whose content differs from the vocabulary token of that id.
    public init(vocab: [String: Int], merges: [BPEMerge], addedTokens: [AddedToken] = [],
                options: BPEOptions = BPEOptions()) throws {
        self.vocab = vocab
        self.merges = merges
        self.addedTokens = addedTokens.sorted { $0.id < $1.id }
        self.options = options
        // Ids are checked before the id tables are allocated: at most one slot per token given.
        let limit = vocab.count + addedTokens.count
        if let bad = vocab.first(where: { $0.value < 0 || $0.value >= limit }) {
            throw TokenizerError.invalidArgument("vocabulary token '\(bad.key)' has id \(bad.value), outside 0..<\(limit)")
        }
        if let bad = addedTokens.first(where: { $0.id < 0 || $0.id >= limit || $0.content.isEmpty }) {
            throw TokenizerError.invalidArgument("added token '\(bad.content)' has id \(bad.id) (outside 0..<\(limit)) or empty content")
        }
        var seen = [String?](repeating: nil, count: limit)
        for (token, id) in vocab {
            if let other = seen[id] { throw TokenizerError.invalidArgument("vocabulary tokens '\(other)' and '\(token)' share id \(id)") }
            seen[id] = token
        }
        var addedSeen = Set<Int>()
        for t in addedTokens {
            guard addedSeen.insert(t.id).inserted else { throw TokenizerError.invalidArgument("two added tokens share id \(t.id)") }
            if let other = seen[t.id], other != t.content {
                throw TokenizerError.invalidArgument("added token '\(t.content)' has id \(t.id) of vocabulary token '\(other)'")
            }
        }
        let maxId = max(vocab.values.max() ?? -1, addedTokens.map(\.id).max() ?? -1)
        var tokens = [String?](repeating: nil, count: maxId + 1)
        for (token, id) in vocab { tokens[id] = token }
        for t in addedTokens { tokens[t.id] = t.content }
        tokenForId = tokens
        let addedIds = Set(addedTokens.map(\.id))
        // HF's ByteLevel decoder maps each scalar back to its byte; a token holding a scalar outside the map
        // decodes to its own UTF-8. Added tokens always decode to their content, so every text round-trips.
        bytesForId = tokens.enumerated().map { id, token in
            guard let token else { return nil }
            if addedIds.contains(id) { return Array(token.utf8) }
            return ByteLevel.bytes(for: token) ?? Array(token.utf8)
        }
        specialIds = Set(addedTokens.filter(\.special).map(\.id))
        idForByte = ByteLevel.scalarForByte.map { s in vocab[String(Character(s))].map { Int32($0) } ?? -1 }
        var table: [UInt64: UInt64] = [:]
        table.reserveCapacity(merges.count)
        for (rank, m) in merges.enumerated() {
            guard let a = vocab[m.left] else { throw TokenizerError.unknownMergeToken(index: rank, token: m.left) }
            guard let b = vocab[m.right] else { throw TokenizerError.unknownMergeToken(index: rank, token: m.right) }
            guard let c = vocab[m.left + m.right] else {
                throw TokenizerError.mergeResultNotInVocabulary(index: rank, token: m.left + m.right)
            }
            let key = UInt64(a) << 32 | UInt64(b)
            // A repeated pair keeps its first (lowest) rank, as HF's map does when it is built in rank order.
            if table[key] == nil { table[key] = UInt64(rank) << 32 | UInt64(c) }
        }
        mergeTable = table
        if let unk = options.unkToken {
            guard let id = vocab[unk] else { throw TokenizerError.invalidArgument("unk_token '\(unk)' is not in the vocabulary") }
            unkId = Int32(id)
        } else {
            unkId = nil
        }
        matcher = AddedTokenMatcher(self.addedTokens)
        cache = WordCache()
    }

    /// The id of a token string (an added token's content or a byte-level model token).
    public func id(for token: String) -> Int? {
        addedTokens.first { $0.content == token }?.id ?? vocab[token]
    }

    /// The token string of an id.
    public func token(for id: Int) -> String? {
        id >= 0 && id < tokenForId.count ? tokenForId[id] : nil
    }
}
