import Alignment
import ArgumentParser

/// `--max-length`, `--max-prompt-length` and `--truncation-mode`, named and defaulted as TRL's `DPOConfig` does
/// (1024, 512, keep_end: a too-long prompt loses its start, so the question's end and the answer cue survive).
/// Each is optional so that `eval` can tell "not given" (then a run folder's recorded budget applies) from a
/// value that happens to equal the default.
struct TruncationOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Longest prompt + response + EOS in tokens, also capped by the model's context (default: \(Truncation.defaultMaxLength)).")
    var maxLength: Int?
    @Option(parsing: .unconditional, help: "Longest prompt in tokens (default: \(Truncation.defaultMaxPromptLength)).")
    var maxPromptLength: Int?
    @Option(help: "Which end of a too-long prompt is kept: keep_end (cut its start; the default) or keep_start (cut its end).")
    var truncationMode: String?

    /// Range checks before any file is read.
    func validate() throws {
        if let maxLength { try UsageCheck.positive("--max-length", maxLength) }
        if let maxPromptLength { try UsageCheck.positive("--max-prompt-length", maxPromptLength) }
        if let truncationMode, TruncationMode(rawValue: truncationMode) == nil {
            throw ValidationError("--truncation-mode must be keep_start or keep_end, got \(truncationMode)")
        }
    }

    /// Whether any of the three was given.
    var given: Bool { maxLength != nil || maxPromptLength != nil || truncationMode != nil }

    /// The settings the jobs take (TRL's defaults where not given).
    var truncation: Truncation {
        Truncation(maxLength: maxLength ?? Truncation.defaultMaxLength, maxPromptLength: maxPromptLength ?? Truncation.defaultMaxPromptLength,
                   mode: truncationMode.flatMap(TruncationMode.init(rawValue:)) ?? .keepEnd)
    }
}
