import ArgumentParser
import Autograd

/// `--memory-saving on|off` for benches: whether the backward frees the graph as it goes and Llama blocks
/// recompute their cheap intermediates (`TapeMemory`). Every number is the same either way; off is the tape
/// of session 4, kept so that memory and time can be compared A/B within one binary.
struct TapeMemoryOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Free each graph node once back-propagated and recompute cheap block intermediates (on, default), or keep everything until the step ends (off, as before). Bit-identical results.", valueName: "on|off"))
    var memorySaving = "on"

    func validate() throws {
        guard ["on", "off"].contains(memorySaving) else { throw ValidationError("--memory-saving must be on or off, got \(memorySaving)") }
    }

    /// Sets both `TapeMemory` switches before any model runs.
    func apply() {
        TapeMemory.releasesGraph = memorySaving == "on"
        TapeMemory.recomputesInBlocks = memorySaving == "on"
    }
}
