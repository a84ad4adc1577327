import Alignment
import ArgumentParser
import Training

/// The loss-form choices where the seed papers' code and TRL differ (`align`, `eval`).
struct LossFormOptions: ParsableArguments {
    @Flag(help: "IPO on per-token averaged log-ratios, TRL's form (default: summed log-ratios, as the GRPO reference code).")
    var ipoAverageLogps = false

    /// Writes the choices into `config`.
    func apply(to config: inout AlignConfig) {
        config.ipoAverageLogps = ipoAverageLogps
    }
}

/// The GRPO reference code's training choices (`align`): group-loss scaling, η_α halving, `ReduceLROnPlateau`
/// and early stopping on the worst group's validation loss.
struct RobustScheduleOptions: ParsableArguments {
    @Option(help: "Group-loss scaling of gr- methods: unbiased (N/(N_g·|B|)) or reference (N/N_g, as the GRPO LLM code).")
    var groupLossScaling: GroupLossScaling = .unbiased
    @Flag(help: "Halve η_α at every plateau cut of the learning rate (the GRPO reference code).")
    var etaAlphaHalving = false
    @Option(help: "ReduceLROnPlateau on the worst group's validation loss: evaluations without improvement before a cut (off when unset).")
    var plateauPatience: Int?
    @Option(help: "Learning-rate factor at each plateau cut.")
    var plateauFactor: Float = 0.5
    @Option(help: "Relative improvement that counts as one (PyTorch's threshold, mode rel).")
    var plateauThreshold: Double = 1e-4
    @Option(help: "Smallest learning-rate factor the plateau cuts reach.")
    var plateauMinScale: Float = 0
    @Option(help: "Stop after this many evaluations without a new best worst-group validation loss (0 = never).")
    var earlyStoppingPatience = 0

    func validate() throws {
        if let p = plateauPatience, p < 0 { throw ValidationError("--plateau-patience must be 0 or more, got \(p)") }
        guard plateauFactor > 0, plateauFactor < 1 else { throw ValidationError("--plateau-factor must be in (0, 1), got \(plateauFactor)") }
        guard earlyStoppingPatience >= 0 else { throw ValidationError("--early-stopping-patience must be 0 or more, got \(earlyStoppingPatience)") }
        if etaAlphaHalving && plateauPatience == nil {
            throw ValidationError("--eta-alpha-halving halves η_α at plateau cuts: also give --plateau-patience")
        }
    }

    /// Writes the choices into `config`.
    func apply(to config: inout AlignConfig) {
        config.groupLossScaling = groupLossScaling
        config.etaAlphaHalving = etaAlphaHalving
        config.earlyStoppingPatience = earlyStoppingPatience
        if let plateauPatience {
            var p = PlateauSettings()
            p.patience = plateauPatience
            p.factor = plateauFactor
            p.threshold = plateauThreshold
            p.minScale = plateauMinScale
            config.plateau = p
        }
    }
}

extension GroupLossScaling: ExpressibleByArgument {}
