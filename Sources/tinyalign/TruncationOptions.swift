import Alignment
import ArgumentParser

/// `--max-length`, `--max-prompt-length` and `--truncation-mode`, named and defaulted as TRL's `DPOConfig` does
/// (1024, 512, keep_end: a too-long prompt loses its start, so the question's end and the answer cue survive).
struct TruncationOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Longest prompt + response + EOS in tokens (also capped by the model's context).")
    var maxLength = Truncation.defaultMaxLength
    @Option(parsing: .unconditional, help: "Longest prompt in tokens.") var maxPromptLength = Truncation.defaultMaxPromptLength
    @Option(help: "Which end of a too-long prompt is kept: keep_end (cut its start) or keep_start (cut its end).")
    var truncationMode = TruncationMode.keepEnd.rawValue

    /// Range checks before any file is read.
    func validate() throws {
        try UsageCheck.positive("--max-length", maxLength)
        try UsageCheck.positive("--max-prompt-length", maxPromptLength)
        guard TruncationMode(rawValue: truncationMode) != nil else {
            throw ValidationError("--truncation-mode must be keep_start or keep_end, got \(truncationMode)")
        }
    }

    /// The settings the jobs take.
    var truncation: Truncation {
        Truncation(maxLength: maxLength, maxPromptLength: maxPromptLength, mode: TruncationMode(rawValue: truncationMode) ?? .keepEnd)
    }
}
