import Distributed
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
    /// The chat template with its special tokens, when the folder has one (conversational data and `chat` use it).
    public let chat: ChatFormat?
    /// `chat_template.jinja`, copied with the other tokenizer files.
    private let chatTemplateFile: Data?

    /// Opens `directory` (config.json, model.safetensors, tokenizer.json), or the base and adapter of a LoRA
    /// adapter folder.
    public init(_ directory: URL) throws { try self.init(directory, adapter: nil) }

    /// Opens `directory` (config.json, model.safetensors, tokenizer.json). With `adapter` (a LoRA adapter folder,
    /// TinyAlign's or PEFT's) the adapter is merged into the model after loading; a `directory` that is itself an
    /// adapter folder (a LoRA run's `final/`) opens the base its `base_model_name_or_path` names, with the adapter.
    public init(_ directory: URL, adapter: URL?) throws {
        var directory = directory, adapter = adapter
        if adapter == nil, !FileManager.default.fileExists(atPath: directory.appendingPathComponent("config.json").path),
           PEFTAdapterFolder.exists(at: directory) {
            guard let base = try PEFTAdapterFolder.read(directory).baseModel, !base.isEmpty else {
                throw ModelError.badCheckpoint(path: directory.appendingPathComponent(PEFTAdapterFolder.configFile).path,
                                               "base_model_name_or_path names no base model folder (give --model BASE --adapter DIR)")
            }
            adapter = directory
            directory = URL(fileURLWithPath: base)
        }
        self.directory = directory
        model = try Checkpoint.load(from: directory)
        if let adapter { try LoRASetup.mergeAdapter(adapter, into: model, base: directory) }
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
            tokenizerConfig = try TokenizerConfig(modelFolder: directory.path)
        } else {
            tokenizerConfigJSON = nil
            tokenizerConfig = nil
        }
        chatTemplateFile = try? Data(contentsOf: directory.appendingPathComponent("chat_template.jinja"))
        if let tokenizerConfig {
            // A special token the vocabulary lacks would be split into ordinary pieces, silently: refuse it.
            let named = [("bos_token", tokenizerConfig.bosToken), ("eos_token", tokenizerConfig.eosToken),
                         ("pad_token", tokenizerConfig.padToken)] + tokenizerConfig.additionalSpecialTokens.map { ("additional_special_tokens", $0) }
            for case let (key, token?) in named where tokenizer.id(for: token) == nil {
                throw AlignmentError.badData(file: configURL.path, line: 0,
                                             "\(key) \"\(token)\" is not in the vocabulary of tokenizer.json")
            }
        }
        chat = try ChatFormat(config: tokenizerConfig, path: configURL.path)
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
        if let chatTemplateFile { files["chat_template.jinja"] = chatTemplateFile }
        return files
    }

    /// An encoder for this model's context.
    public func encoder(truncate: Bool = true, truncation: Truncation = Truncation()) -> SequenceEncoder {
        var encoder = SequenceEncoder(tokenizer: tokenizer, eos: eos, context: model.contextLength, truncate: truncate)
        encoder.truncation = truncation
        encoder.chat = chat
        return encoder
    }
}

/// Small file helpers for run folders.
public enum RunFiles {
    /// The jobs' default log: one line to standard error, so standard output keeps only results.
    public static func logToStandardError(_ line: String) {
        // The ranks of a data-parallel job run the same job: rank 0 speaks for them.
        guard World.current.isLeader else { return }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Writes a JSON object atomically with sorted keys.
    static func writeJSON(_ object: [String: Any], to url: URL) throws {
        guard World.current.isLeader else { return }
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
