import ArgumentParser
import Training

/// The memory controls every trainer shares (sft, align, rank, em-dpo): gradient accumulation and activation
/// checkpointing. Both leave the results unchanged (to rounding) and trade time for memory.
struct MemoryOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Micro-batches per optimizer step; must divide --batch-size. Gradients, losses and α equal one full batch's; only one micro-batch's activations are alive at a time (costs one extra no-grad forward per step).", valueName: "n"))
    var gradAccum: Int?
    @Flag(help: "Recompute each transformer block's forward during the backward instead of keeping its activations (same gradients, roughly one more forward per step).")
    var checkpointActivations = false

    func validate() throws {
        if let gradAccum, gradAccum < 1 { throw ValidationError("--grad-accum must be at least 1, got \(gradAccum)") }
    }

    /// Sets the controls in `s` and checks --grad-accum against its batch size, so a bad pair is refused before
    /// any file (reference cache, run folder) is written.
    func apply(to s: inout TrainingSettings) throws {
        if let gradAccum { s.gradAccum = gradAccum }
        if checkpointActivations { s.checkpointActivations = true }
        do { try s.validateGradAccum() } catch { throw CLIError("\(error)") }
    }
}
