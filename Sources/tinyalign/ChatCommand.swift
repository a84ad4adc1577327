import Alignment
import ArgumentParser
import Datasets
import Foundation
import Models
import Recipes
import Tokenizer
#if canImport(Glibc)
import Glibc
#endif

/// `tinyalign chat`: talk to a chat model with its own template: one reply per `--message` (one-shot), or a REPL
/// on standard input (one user message per line; `/reset` forgets the conversation, `/exit` or end of input stops).
struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with a model folder that has a chat template (interactive on stdin, or --message for one-shot).")

    @Option(help: "Checkpoint folder with tokenizer.json and a chat template (tokenizer_config.json or chat_template.jinja).")
    var model: String
    @Option(help: "A user message to answer (repeat for a scripted conversation); without it, read messages from stdin.")
    var message: [String] = []
    @Option(help: "A system message to start the conversation with.") var system: String?
    @Option(help: "Most tokens per reply.") var maxNewTokens = 100
    @Option(help: "Softmax temperature (0: greedy).") var temperature: Float = 0.8
    @Option(help: "Sample only among the k most likely tokens (0: all).") var topK = 0
    @Option(help: "Sample only among the most likely tokens reaching this probability (1: all).") var topP: Float = 1
    @Option(help: "Seed of the sampling (reply r uses seed + r).") var seed: UInt64 = 0

    func validate() throws {
        try CommandSupport.checkSampling(maxNewTokens: maxNewTokens, temperature: temperature, topK: topK, topP: topP)
    }

    func run() throws {
        try CommandSupport.oneLine {
            var session = try Self.session(model: model, system: system)
            session.sampling = SamplingOptions(temperature: temperature, topK: topK, topP: topP)
            session.maxNewTokens = maxNewTokens
            var turn: UInt64 = 0
            // The reply is written as it is generated (unbuffered), then ends with a newline.
            func answer(_ text: String) throws {
                _ = try session.reply(to: text, seed: seed &+ turn) { FileHandle.standardOutput.write(Data($0.utf8)) }
                FileHandle.standardOutput.write(Data("\n".utf8))
                turn += 1
            }
            if !message.isEmpty {
                for m in message { try answer(m) }
                return
            }
            let interactive = isatty(0) != 0
            if interactive { FileHandle.standardError.write(Data("chat with \(model) — /reset, /exit\n".utf8)) }
            while true {
                if interactive { FileHandle.standardError.write(Data("> ".utf8)) }
                guard let line = readLine() else { break }
                let text = line.trimmingCharacters(in: .whitespaces)
                if text.isEmpty { continue }
                if text == "/exit" { break }
                if text == "/reset" { session.reset(); continue }
                try answer(text)
            }
        }
    }

    /// A session with the folder's model and template, or a one-line error.
    static func session(model: String, system: String?) throws -> ChatSession {
        try ChatSession(bundle: GenerateCommand.load(model), system: system)
    }
}
