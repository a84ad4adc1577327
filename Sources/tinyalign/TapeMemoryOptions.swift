import ArgumentParser
import Autograd

/// `--memory-saving on|off` for benches: whether the backward frees the graph as it goes and Llama blocks
/// recompute their cheap intermediates (`TapeMemory`). Every number is the same either way; off is the tape
/// of session 4, kept so that memory and time can be compared A/B within one binary.
struct TapeMemoryOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Free each graph node once back-propagated and recompute cheap block intermediates (on, default), or keep everything until the step ends (off, as before); ab alternates on and off step by step in one process and reports both medians. Bit-identical results.", valueName: "on|off|ab"))
    var memorySaving = "on"

    func validate() throws {
        guard ["on", "off", "ab"].contains(memorySaving) else { throw ValidationError("--memory-saving must be on, off or ab, got \(memorySaving)") }
    }

    /// True for ab: the bench times on and off steps alternately.
    var alternates: Bool { memorySaving == "ab" }

    /// Sets both `TapeMemory` switches before any model runs (ab starts on).
    func apply() { Self.set(memorySaving != "off") }

    /// Both switches on or off.
    static func set(_ on: Bool) {
        TapeMemory.releasesGraph = on
        TapeMemory.recomputesInBlocks = on
    }
}
