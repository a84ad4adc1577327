import Foundation
import TensorCore
import Tokenizer

/// A tokenised text corpus for next-token training: a training and a held-out stream of ids, cut into random
/// windows of T+1 tokens (inputs and shifted targets).
public struct TokenDataset {
    /// Ids the model trains on.
    public let train: [Int32]
    /// Held-out ids for the eval loss (the last `validationFraction` of the corpus).
    public let validation: [Int32]

    /// Splits `tokens` into train and validation by position.
    public init(tokens: [Int32], validationFraction: Double = 0.1) {
        let cut = Int(Double(tokens.count) * (1 - validationFraction))
        train = Array(tokens[..<cut])
        validation = Array(tokens[cut...])
    }

    /// B random windows of the stream: inputs (B·T) and next-token targets (B·T). Needs count > T.
    public static func batch(from stream: [Int32], batch: Int, context: Int,
                             rng: inout SeededGenerator) throws -> (ids: [Int32], targets: [Int32]) {
        guard stream.count > context else {
            throw ModelError.invalidInput("the corpus has \(stream.count) tokens, fewer than a context of \(context) + 1")
        }
        var ids: [Int32] = [], targets: [Int32] = []
        ids.reserveCapacity(batch * context)
        targets.reserveCapacity(batch * context)
        for _ in 0..<batch {
            let start = rng.nextInt(below: stream.count - context)
            ids += stream[start..<(start + context)]
            targets += stream[(start + 1)...(start + context)]
        }
        return (ids, targets)
    }

    /// Tokenises a text file once and caches the ids beside it (`.tinyalign-cache/`), keyed by the sizes and
    /// hashes of the text and the tokenizer, so later runs skip the encoding.
    public static func load(text url: URL, tokenizer: BPETokenizer, tokenizerFile: URL) throws -> [Int32] {
        guard let text = try? Data(contentsOf: url) else { throw ModelError.invalidInput("\(url.path): cannot read the data file") }
        let tokData = (try? Data(contentsOf: tokenizerFile)) ?? Data()
        let key = String(format: "%016llx", Fingerprint.of(text) ^ (Fingerprint.of(tokData) &* 31))
        let cacheDir = url.deletingLastPathComponent().appendingPathComponent(".tinyalign-cache")
        let cacheFile = cacheDir.appendingPathComponent("\(url.lastPathComponent)-\(key).tokens")
        if let cached = try? Data(contentsOf: cacheFile), cached.count % 4 == 0 {
            return cached.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        }
        guard let string = String(data: text, encoding: .utf8) else {
            throw ModelError.invalidInput("\(url.path): the data file is not valid UTF-8")
        }
        let ids = tokenizer.encode(string).map { Int32($0) }
        try? FileManager.default.createDirectory(at: cacheDir, withIntermediateDirectories: true)
        try? ids.withUnsafeBytes { Data($0) }.write(to: cacheFile, options: .atomic)
        return ids
    }
}

/// A 64-bit FNV-1a fingerprint of bytes, for cache keys (not for security).
public enum Fingerprint {
    /// The fingerprint of `data`.
    public static func of(_ data: Data) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        data.withUnsafeBytes { raw in
            for b in raw.bindMemory(to: UInt8.self) { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        return h
    }
}
