import Foundation

/// Trains a byte-level BPE the way HF's `BpeTrainer` does with `initial_alphabet=ByteLevel.alphabet()` and a
/// ByteLevel pre-tokenizer (no prefix space), so that the vocabulary and merges come out identical:
/// - ids: special tokens first (in the given order), then the 256 byte scalars sorted by scalar value, then one
///   id per merge;
/// - each step merges the pair with the highest count; ties go to the smallest (left id, right id);
/// - counts are updated incrementally. Like HF, the merged pair's own count is left as it was, and a queued pair
///   is merged only in the words recorded with that queue entry; this matters only when a merge recreates an
///   existing token, and is kept for parity.
/// Training is deterministic: nothing depends on hash order.
public struct BPETrainer: Sendable {
    /// Stop once the vocabulary (special tokens included) has this many tokens.
    public var vocabSize: Int
    /// Stop once the best pair occurs fewer times than this.
    public var minFrequency: Int
    /// Tokens given the first ids and matched verbatim when encoding.
    public var specialTokens: [String]

    /// A trainer; GPT-2's end-of-text and a padding token are the default special tokens.
    public init(vocabSize: Int, minFrequency: Int = 0, specialTokens: [String] = ["<|endoftext|>", "<|pad|>"]) {
        self.vocabSize = vocabSize; self.minFrequency = minFrequency; self.specialTokens = specialTokens
    }

    /// Trains on text files. Like HF, each file is read line by line (a line keeps its "\n"), so no word spans
    /// two lines. Throws if a file cannot be read or is not UTF-8.
    public func train(files: [String]) throws -> BPETokenizer {
        let counter = WordCounter()
        for path in files {
            let data = try AtomicFile.read(path)
            guard String(data: data, encoding: .utf8) != nil else {
                throw TokenizerError.io(path: path, reason: "is not valid UTF-8")
            }
            data.withUnsafeBytes { raw in
                guard let p = raw.bindMemory(to: UInt8.self).baseAddress else { return }
                counter.addLines(p, raw.count)
            }
        }
        return try train(counter)
    }

    /// Trains on in-memory texts; each text is one sequence (HF's `train_from_iterator`), not split into lines.
    public func train(texts: [String]) throws -> BPETokenizer {
        let counter = WordCounter()
        for var text in texts {
            text.withUTF8 { b in if let p = b.baseAddress { counter.add(p, b.count) } }
        }
        return try train(counter)
    }

    private func train(_ counter: WordCounter) throws -> BPETokenizer {
        var tokenId: [String: Int32] = [:]
        var tokens: [String] = []
        func addToken(_ s: String) {
            if tokenId[s] == nil { tokenId[s] = Int32(tokens.count); tokens.append(s) }
        }
        specialTokens.forEach(addToken)
        ByteLevel.alphabet.forEach(addToken)
        guard vocabSize >= tokens.count else {
            throw TokenizerError.invalidArgument(
                "vocab size \(vocabSize) is below the \(tokens.count) special and byte tokens it must hold")
        }
        let idForByte = ByteLevel.scalarForByte.map { tokenId[String(Character($0))]! }

        // Words as id arrays, their counts, and the pair statistics.
        var words: [[Int32]] = []
        var wordCounts: [Int] = []
        words.reserveCapacity(counter.table.count)
        for e in 0..<counter.table.count {
            words.append(counter.table.key(e).map { idForByte[Int($0)] })
            wordCounts.append(counter.counts[e])
        }
        var pairCounts: [UInt64: Int] = [:]
        var wherePairs = PairPositions()
        for (w, word) in words.enumerated() where word.count > 1 {
            for k in 0..<(word.count - 1) {
                let pair = Self.key(word[k], word[k + 1])
                pairCounts[pair, default: 0] += wordCounts[w]
                wherePairs.add(pair, word: Int32(w))
            }
        }
        var queue = MergeQueue()
        wherePairs.drain { pair, positions in
            let count = pairCounts[pair]!
            if count > 0 { queue.push(count: UInt64(count), pair: pair, positions: positions) }
        }

        var merges: [BPEMerge] = []
        var changes: [(pair: UInt64, delta: Int, word: Int32)] = []
        while tokens.count < vocabSize, var top = queue.pop() {
            let current = UInt64(bitPattern: Int64(pairCounts[top.pair]!))
            if top.count != current {
                top.count = current
                queue.push(top)
                continue
            }
            if top.count < 1 || UInt64(minFrequency) > top.count { break }
            let a = Int32(truncatingIfNeeded: top.pair >> 32), b = Int32(truncatingIfNeeded: top.pair)
            let left = tokens[Int(a)], right = tokens[Int(b)]
            let merged = left + right
            addToken(merged)
            let newId = tokenId[merged]!
            merges.append(BPEMerge(left, right))

            changes.removeAll(keepingCapacity: true)
            for w in queue.positions(of: top) {
                Self.merge(&words[Int(w)], a, b, into: newId) { pair, delta in changes.append((pair, delta, w)) }
            }
            for change in changes {
                pairCounts[change.pair, default: 0] += change.delta * wordCounts[Int(change.word)]
                if change.delta > 0 { wherePairs.add(change.pair, word: change.word) }
            }
            wherePairs.drain { pair, positions in
                let count = pairCounts[pair]!
                if count > 0 { queue.push(count: UInt64(count), pair: pair, positions: positions) }
            }
        }

        var vocab: [String: Int] = [:]
        for (i, t) in tokens.enumerated() { vocab[t] = i }
        let added = specialTokens.map { AddedToken(id: Int(tokenId[$0]!), content: $0) }
        var seen = Set<Int>()
        return try BPETokenizer(vocab: vocab, merges: merges, addedTokens: added.filter { seen.insert($0.id).inserted })
    }

    @inline(__always) static func key(_ a: Int32, _ b: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
    }

    /// Joins every non-overlapping (a, b), left to right, in one word and reports how the counts of the
    /// neighbouring pairs change (the pair (a, b) itself is not reported, as in HF).
    static func merge(_ word: inout [Int32], _ a: Int32, _ b: Int32, into c: Int32, _ change: (UInt64, Int) -> Void) {
        var i = 0
        while i < word.count {
            if word[i] == a && i + 1 < word.count && word[i + 1] == b {
                if i > 0 {
                    change(key(word[i - 1], a), -1)
                    change(key(word[i - 1], c), 1)
                }
                word[i] = c
                word.remove(at: i + 1)
                if i < word.count - 1 {
                    change(key(b, word[i + 1]), -1)
                    change(key(c, word[i + 1]), 1)
                }
            }
            i += 1
        }
    }
}

/// Counts GPT-2 pre-tokenised words (as raw bytes) without allocating per word.
final class WordCounter {
    let table = ByteSliceTable(capacity: 1 << 16)
    var counts: [Int] = []

    /// Counts the words of one sequence.
    func add(_ p: UnsafePointer<UInt8>, _ n: Int) {
        GPT2PreTokenizer.forEachPiece(p, from: 0, to: n) { s, e in
            var inserted = false
            let id = table.findOrInsert(p + s, e - s, inserted: &inserted)
            if inserted { counts.append(1) } else { counts[id] += 1 }
        }
    }

    /// Counts the words of each "\n"-terminated line of a buffer separately.
    func addLines(_ p: UnsafePointer<UInt8>, _ n: Int) {
        var start = 0
        while start < n {
            var end = start
            while end < n && p[end] != 0x0A { end += 1 }
            if end < n { end += 1 }
            add(p + start, end - start)
            start = end
        }
    }
}

/// Pairs that gained occurrences during one step, each with the words (deduplicated) where they did.
struct PairPositions {
    private var index: [UInt64: Int] = [:]
    private var pairs: [UInt64] = []
    private var lists: [[Int32]] = []

    mutating func add(_ pair: UInt64, word: Int32) {
        if let i = index[pair] {
            if lists[i].last != word { lists[i].append(word) }
        } else {
            index[pair] = pairs.count
            pairs.append(pair)
            lists.append([word])
        }
    }

    /// Hands out every pair with its words, then empties itself.
    mutating func drain(_ body: (UInt64, [Int32]) -> Void) {
        for (pair, list) in zip(pairs, lists) { body(pair, list) }
        index.removeAll(keepingCapacity: true); pairs.removeAll(keepingCapacity: true); lists.removeAll(keepingCapacity: true)
    }
}

/// HF's merge queue: a max-heap by count, ties broken by the smaller pair. Entries keep their word lists in a
/// side table so moving them in the heap is cheap.
struct MergeQueue {
    struct Entry { var count: UInt64; var pair: UInt64; var slot: Int32 }
    private var heap: [Entry] = []
    private var positionLists: [[Int32]] = []

    @inline(__always) private static func above(_ x: Entry, _ y: Entry) -> Bool {
        x.count != y.count ? x.count > y.count : x.pair < y.pair
    }

    mutating func push(count: UInt64, pair: UInt64, positions: [Int32]) {
        positionLists.append(positions)
        push(Entry(count: count, pair: pair, slot: Int32(positionLists.count - 1)))
    }

    mutating func push(_ e: Entry) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if !Self.above(e, heap[parent]) { break }
            heap[i] = heap[parent]
            i = parent
        }
        heap[i] = e
    }

    mutating func pop() -> Entry? {
        guard let last = heap.popLast() else { return nil }
        if heap.isEmpty { return last }
        let top = heap[0]
        var i = 0
        while true {
            var child = 2 * i + 1
            if child >= heap.count { break }
            if child + 1 < heap.count && Self.above(heap[child + 1], heap[child]) { child += 1 }
            if !Self.above(heap[child], last) { break }
            heap[i] = heap[child]
            i = child
        }
        heap[i] = last
        return top
    }

    func positions(of e: Entry) -> [Int32] { positionLists[Int(e.slot)] }
}
