import ArgumentParser
import Distributed
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
            ChatCommand.self,
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
            MergeCommand.self,
        ]
    )

    /// Parses and runs as ArgumentParser would, except that Foundation's own errors (`NSCocoaErrorDomain
    /// Code=642 … UserInfo={…}`) are shown as one line naming the path and the reason, and that a usage error
    /// (unknown option, a value out of range, found by `validate()` before any file is read) is one line with
    /// exit code 2, as shells and `getopt` use it, instead of ArgumentParser's 64 and its usage block.
    static func main() {
        // Before any thread of ours runs: OpenBLAS's idle workers sleep instead of spinning between products.
        OpenBLASWorkers.configure()
        do {
            var command = try parseAsRoot()
            DataParallelLaunch.check(command)
            try command.run()
        } catch {
            let shown = SystemError.isFoundationError(error) ? CLIError(SystemError.oneLine(error)) : error
            if World.current.size > 1 { exitRank(withError: shown) }
            if exitCode(for: error) == .validationFailure {
                let text = message(for: error).split(whereSeparator: \.isNewline).joined(separator: " ")
                FileHandle.standardError.write(Data("Error: \(text)\n".utf8))
                Foundation.exit(UsageError.exitCode)
            }
            exit(withError: shown)
        }
    }

    /// An error on a rank of an MPI job. A disagreement or setup error is found alike by every rank at the same
    /// collective point: rank 0 reports it in one line and all ranks leave MPI together. Any other error may be
    /// this rank's alone while the others wait in a collective: it names the rank and aborts the whole job.
    static func exitRank(withError error: Error) -> Never {
        let world = World.current
        if error is DistributedError {
            if world.isLeader { exit(withError: error) }
            World.finalize()
            Foundation.exit(1)
        }
        FileHandle.standardError.write(Data("Error: rank \(world.rank): \(message(for: error))\n".utf8))
        World.abort(status: exitCode(for: error).rawValue)
    }
}
