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

    /// Tokenises a text file once and caches the ids in `CacheFolder.resolve(cacheDirectory)` (never beside the
    /// data, which may be read-only), keyed by the hashes of the text and the tokenizer, so later runs skip the
    /// encoding. A cache that cannot be written is skipped.
    public static func load(text url: URL, tokenizer: any TextTokenizer, tokenizerFile: URL, cacheDirectory: URL? = nil) throws -> [Int32] {
        let text: Data
        do { text = try Data(contentsOf: url, options: [.mappedIfSafe]) } catch {
            throw DatasetError.invalidInput("\(url.path): cannot read the data file (\(SystemError.reason(error)))")
        }
        let tokData = (try? Data(contentsOf: tokenizerFile)) ?? Data()
        let key = String(format: "%016llx", Fingerprint.of(text) ^ (Fingerprint.of(tokData) &* 31))
        let cacheFile = CacheFolder.resolve(cacheDirectory)?.appendingPathComponent("\(url.lastPathComponent)-\(key).tokens")
        if let cacheFile, let cached = try? Data(contentsOf: cacheFile), cached.count % 4 == 0 {
            return cached.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        }
        guard let string = String(data: text, encoding: .utf8) else {
            throw DatasetError.invalidInput("\(url.path): the data file is not valid UTF-8")
        }
        let ids = tokenizer.encode(string).map { Int32($0) }
        if let cacheFile { try? ids.withUnsafeBytes { Data($0) }.write(to: cacheFile, options: .atomic) }
        return ids
    }
}
