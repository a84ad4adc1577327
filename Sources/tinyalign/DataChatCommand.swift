import ArgumentParser
import Datasets
import Foundation

/// `tinyalign data chat`: rewrites flat preference JSONL in one of TRL's conversational formats.
struct DataChat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Rewrite flat preference JSONL as conversational JSONL (TRL's message-list formats).")

    @Option(help: "Flat preference JSONL (prompt, chosen, rejected, optional group).") var input: String
    @Option(help: "Conversational JSONL to write.") var out: String
    @Option(help: "prompt (explicit prompt + one-message responses), implicit (whole conversations) or messages (SFT: user + chosen).")
    var form = "prompt"

    func run() throws {
        try CommandSupport.oneLine {
            guard let shape = ChatConversion.Form(rawValue: form) else {
                throw CLIError("--form must be one of \(ChatConversion.Form.allCases.map(\.rawValue).joined(separator: ", ")), got \(form)")
            }
            let examples = try PreferenceExample.load(URL(fileURLWithPath: input))
            if let e = examples.first(where: { $0.conversation != nil }) {
                throw CLIError("\(input):\(e.line): already conversational")
            }
            try ChatConversion.write(examples, form: shape, to: URL(fileURLWithPath: out))
            print("\(examples.count) \(shape == .messages ? "conversations" : "pairs") (\(shape.rawValue) form) -> \(out)")
        }
    }
}
