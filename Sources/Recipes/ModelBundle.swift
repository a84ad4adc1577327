import Foundation
import Models
import Training
import Datasets
import Alignment
import Report
import Tokenizer

/// A checkpoint folder opened for alignment work: the model, its tokenizer and the ids that matter.
public struct ModelBundle {
    /// The folder.
    public let directory: URL
    /// The model.
    public let model: any CausalLanguageModel
    /// The folder's tokenizer.
    public let tokenizer: any TextTokenizer
    /// The raw tokenizer.json, copied into every checkpoint written from this model.
    public let tokenizerJSON: Data
    /// End-of-sequence id: tokenizer_config.json's `eos_token`, else the tokenizer's `<|endoftext|>`, else the
    /// config's eos_token_id.
    public let eos: Int32
    /// tokenizer_config.json, when the folder has one (special tokens, chat template).
    public let tokenizerConfig: TokenizerConfig?
    private let tokenizerConfigJSON: Data?

    /// Opens `directory` (config.json, model.safetensors, tokenizer.json).
    public init(_ directory: URL) throws {
        self.directory = directory
        model = try Checkpoint.load(from: directory)
        let tokURL = directory.appendingPathComponent("tokenizer.json")
        guard let data = try? Data(contentsOf: tokURL) else {
            throw AlignmentError.badData(file: tokURL.path, line: 0, "missing tokenizer.json in the checkpoint folder")
        }
        tokenizerJSON = data
        tokenizer = try TokenizerLoader.load(json: data, path: tokURL.path)
        // tokenizer_config.json names the end-of-sequence token of Llama-family folders; TinyAlign's own GPT-2
        // folders have none and use <|endoftext|>.
        let configURL = directory.appendingPathComponent("tokenizer_config.json")
        if FileManager.default.fileExists(atPath: configURL.path) {
            tokenizerConfigJSON = try Data(contentsOf: configURL)
            tokenizerConfig = try TokenizerConfig(contentsOfFile: configURL.path)
        } else {
            tokenizerConfigJSON = nil
            tokenizerConfig = nil
        }
        if let name = tokenizerConfig?.eosToken {
            guard let id = tokenizer.id(for: name) else {
                throw AlignmentError.badData(file: configURL.path, line: 0, "eos_token \"\(name)\" is not in the vocabulary of tokenizer.json")
            }
            eos = Int32(id)
        } else {
            eos = Int32(tokenizer.id(for: "<|endoftext|>") ?? Int(model.configEOSTokenId ?? 0))
        }
        guard tokenizer.vocabularySize <= model.vocabularySize else {
            throw AlignmentError.badData(file: tokURL.path, line: 0,
                                         "tokenizer has \(tokenizer.vocabularySize) tokens but the model only \(model.vocabularySize)")
        }
    }

    /// The tokenizer files copied into every checkpoint written from this model.
    public var extraFiles: [String: Data] {
        var files = ["tokenizer.json": tokenizerJSON]
        if let tokenizerConfigJSON { files["tokenizer_config.json"] = tokenizerConfigJSON }
        return files
    }

    /// An encoder for this model's context.
    public func encoder(truncate: Bool = true, truncation: Truncation = Truncation()) -> SequenceEncoder {
        var encoder = SequenceEncoder(tokenizer: tokenizer, eos: eos, context: model.contextLength, truncate: truncate)
        encoder.truncation = truncation
        return encoder
    }
}

/// Small file helpers for run folders.
public enum RunFiles {
    /// The jobs' default log: one line to standard error, so standard output keeps only results.
    public static func logToStandardError(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

    /// Writes a JSON object atomically with sorted keys.
    static func writeJSON(_ object: [String: Any], to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: url, options: .atomic)
    }

    /// Where cached reference log-probs go: `explicit` (`--cache-dir`) or the user's cache folder, never beside
    /// the (possibly read-only) data; nil when nothing is writable (then nothing is cached).
    static func cacheDirectory(_ explicit: URL?) -> URL? {
        CacheFolder.resolve(explicit)
    }
}
