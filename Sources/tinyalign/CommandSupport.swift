import ArgumentParser
import Datasets
import Foundation
import Recipes
import TensorCore
import Report
import Training
import Models
import Tokenizer

/// A command-line failure shown as one line on stderr (`Error: <message>`), with a non-zero exit.
struct CLIError: Error, CustomStringConvertible {
    /// The line shown.
    let description: String
    init(_ message: String) { description = message }
}

/// Loading helpers shared by the commands; each failure names the file or value at fault in one line.
enum CommandSupport {
    /// The special token GPT-2 uses to separate documents and end generations.
    static let endOfText = "<|endoftext|>"

    /// Runs `body`, turning any error into a one-line `CLIError` (Foundation's own errors can span lines).
    static func oneLine<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError(SystemError.oneLine(error))
        }
    }

    /// A tokenizer from a `tokenizer.json` file.
    static func loadTokenizer(_ path: String) throws -> BPETokenizer {
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError("\(path): tokenizer file not found") }
        return try BPETokenizer(tokenizerJSON: path)
    }

    /// The id of `<|endoftext|>` in `tokenizer`.
    static func endOfTextId(_ tokenizer: BPETokenizer, path: String) throws -> Int {
        guard let id = tokenizer.id(for: endOfText) else {
            throw CLIError("\(path): the tokenizer has no \(endOfText) token (train it with that special token)")
        }
        return id
    }

    /// Refuses sampling options no generation can use (`generate` and `chat` share them).
    static func checkSampling(maxNewTokens: Int, temperature: Float, topK: Int, topP: Float) throws {
        guard maxNewTokens >= 0 else { throw ValidationError("--max-new-tokens must be 0 or positive, got \(maxNewTokens)") }
        guard temperature.isFinite, temperature >= 0 else { throw ValidationError("--temperature must be >= 0, got \(temperature)") }
        guard topK >= 0 else { throw ValidationError("--top-k must be 0 or positive, got \(topK)") }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must lie in (0, 1], got \(topP)") }
    }

    /// The bench configs: `tiny` or `small` with vocab 256, as in the PyTorch peer.
    static func benchConfig(_ name: String) throws -> GPTConfig {
        guard let config = GPTConfig.named(name) else { throw CLIError("--config must be tiny or small, got \(name)") }
        return config
    }

    /// `tiny`, `small`, or a Hugging Face style `config.json` file.
    static func modelConfig(_ spec: String) throws -> GPTConfig {
        if let named = GPTConfig.named(spec) { return named }
        guard spec.hasSuffix(".json") || FileManager.default.fileExists(atPath: spec) else {
            throw CLIError("--config \(spec): expected tiny, small or a config.json file")
        }
        guard let data = FileManager.default.contents(atPath: spec) else { throw CLIError("\(spec): config file not found") }
        do { return try JSONDecoder().decode(GPTConfig.self, from: data) } catch let error as ModelError {
            throw CLIError("\(spec): \(error)")
        } catch let DecodingError.keyNotFound(key, _) {
            // n_positions falls back to GPT-2's older n_ctx, which is the key a decoder reports last.
            throw CLIError("\(spec): missing field \(key.stringValue == "n_ctx" ? "n_positions" : key.stringValue)")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw CLIError("\(spec): field \(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type")
        } catch {
            throw CLIError("\(spec): not a valid JSON config")
        }
    }
}
