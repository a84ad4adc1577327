import ArgumentParser
import TensorCore

/// The `tinyalign` command: one binary for pretraining, alignment, evaluation, tokenizers and benchmarks.
@main
struct TinyAlign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tinyalign",
        abstract: "A from-scratch tiny-transformer framework: pretrain, SFT, DPO and group-robust alignment on the CPU.",
        subcommands: [
            Demo.self,
            TokenizerCommand.self,
            PretrainCommand.self,
            GenerateCommand.self,
            AggregateCommand.self,
            SFTCommand.self,
            AlignCommand.self,
            EMDPOCommand.self,
            ReproCommand.self,
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
    /// Code=642 … UserInfo={…}`) are shown as one line naming the path and the reason.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: SystemError.isFoundationError(error) ? CLIError(SystemError.oneLine(error)) : error)
        }
    }
}
