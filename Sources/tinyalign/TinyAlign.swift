import ArgumentParser
import Foundation
import TensorCore
import Training

/// The `tinyalign` command: one binary for pretraining, alignment, evaluation, tokenizers and benchmarks.
@main
struct TinyAlign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tinyalign",
        abstract: "A from-scratch tiny-transformer framework: pretrain, SFT, DPO and group-robust alignment on the CPU.",
        version: TinyAlignVersion.current,
        subcommands: [
            Demo.self,
            TokenizerCommand.self,
            PretrainCommand.self,
            GenerateCommand.self,
            AggregateCommand.self,
            SFTCommand.self,
            AlignCommand.self,
            EMDPOCommand.self,
            RankCommand.self,
            EvalCommand.self,
            DataCommand.self,
            ReportCommand.self,
            GPOCommand.self,
            Bench.self,
            ConvertCommand.self,
        ]
    )

    /// Parses and runs as ArgumentParser would, except that Foundation's own errors (`NSCocoaErrorDomain
    /// Code=642 … UserInfo={…}`) are shown as one line naming the path and the reason, and that a usage error
    /// (unknown option, a value out of range, found by `validate()` before any file is read) is one line with
    /// exit code 2, as shells and `getopt` use it, instead of ArgumentParser's 64 and its usage block.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if SystemError.isFoundationError(error) { exit(withError: CLIError(SystemError.oneLine(error))) }
            if exitCode(for: error) == .validationFailure {
                let text = message(for: error).split(whereSeparator: \.isNewline).joined(separator: " ")
                FileHandle.standardError.write(Data("Error: \(text)\n".utf8))
                Foundation.exit(UsageError.exitCode)
            }
            exit(withError: error)
        }
    }
}
