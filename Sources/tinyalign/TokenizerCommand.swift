import ArgumentParser
import Datasets
import Foundation
import Recipes
import Report
import Training
import Tokenizer

/// `tinyalign tokenizer …`: train a byte-level BPE and encode or decode with a `tokenizer.json`.
struct TokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer",
        abstract: "Train, encode and decode with a byte-level BPE tokenizer (HF tokenizer.json).",
        subcommands: [Train.self, Encode.self, Decode.self, Render.self]
    )

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a GPT-2 style byte-level BPE on text files (same result as HF's BpeTrainer).")

        @Option(name: .long, parsing: .upToNextOption, help: "UTF-8 text files to train on (read line by line).")
        var input: [String]
        @Option(help: "Target vocabulary size, special and 256 byte tokens included.") var vocabSize = 4096
        @Option(help: "Stop merging once the best pair occurs fewer times than this.") var minFrequency = 2
        @Option(help: "Comma-separated special tokens, given the first ids.") var specialTokens = "<|endoftext|>,<|pad|>"
        @Option(help: "Where to write tokenizer.json.") var out = "tokenizer.json"

        func run() throws {
            if input.isEmpty { throw TokenizerError.invalidArgument("--input needs at least one file") }
            if minFrequency < 0 { throw TokenizerError.invalidArgument("--min-frequency must be >= 0") }
            let specials = specialTokens.split(separator: ",").map(String.init).filter { !$0.isEmpty }
            let trainer = BPETrainer(vocabSize: vocabSize, minFrequency: minFrequency, specialTokens: specials)
            let tokenizer = try trainer.train(files: input)
            try tokenizer.writeTokenizerJSON(to: out)
            print("wrote \(out): \(tokenizer.vocab.count) tokens, \(tokenizer.merges.count) merges")
        }
    }

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the ids of a text (or of stdin) as a JSON array.")

        @Option(help: "A tokenizer.json file.") var tokenizer: String
        @Option(help: "Text to encode; stdin when omitted.") var text: String?

        func run() throws {
            let t = try BPETokenizer(tokenizerJSON: tokenizer)
            let ids = text.map { t.encode($0) } ?? t.encode(bytes: Array(FileHandle.standardInput.readDataToEndOfFile()))
            print("[" + ids.map(String.init).joined(separator: ",") + "]")
        }
    }

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the bytes of a JSON array of ids (from --ids or stdin) to stdout, without a trailing newline.")

        @Option(help: "A tokenizer.json file.") var tokenizer: String
        @Option(help: "A JSON array of ids; stdin when omitted.") var ids: String?
        @Flag(help: "Leave out special tokens such as <|endoftext|>.") var skipSpecialTokens = false

        func run() throws {
            let t = try BPETokenizer(tokenizerJSON: tokenizer)
            let json = ids.map { Data($0.utf8) } ?? FileHandle.standardInput.readDataToEndOfFile()
            guard let array = try? JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed]) as? [Any],
                  let numbers = array as? [NSNumber],
                  let values = Optional(numbers.compactMap { Int(exactly: $0.doubleValue) }), values.count == numbers.count
            else { throw TokenizerError.invalidArgument("ids must be a JSON array of integers, like [15496, 995]") }
            FileHandle.standardOutput.write(Data(try t.decodeBytes(values, skipSpecialTokens: skipSpecialTokens)))
        }
    }
}
