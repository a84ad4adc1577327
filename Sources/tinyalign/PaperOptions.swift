import Alignment
import ArgumentParser

/// The loss-form choices where the seed papers' code and TRL differ (`align`, `eval`).
struct LossFormOptions: ParsableArguments {
    @Flag(help: "IPO on per-token averaged log-ratios, TRL's form (default: summed log-ratios, as the GRPO reference code).")
    var ipoAverageLogps = false

    /// Writes the choices into `config`.
    func apply(to config: inout AlignConfig) {
        config.ipoAverageLogps = ipoAverageLogps
    }
}
