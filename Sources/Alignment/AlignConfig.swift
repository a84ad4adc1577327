import Foundation
import Datasets
import Training

/// Settings of a preference-alignment run; saved in the run folder and in checkpoints.
@dynamicMemberLookup
public struct AlignConfig: Codable, Equatable, Sendable, HasTrainingSettings {
    /// `[is-|gr-]<loss>`: the loss (`dpo`, `ipo`, `hinge`, `cdpo`, `simpo`, …) with a uniform, importance (`is-`)
    /// or robust (`gr-`) group weighting.
    public var method = "dpo"
    /// β of the loss.
    public var beta: Float = 0.1
    /// Mirror-ascent step of the robust weighting's α.
    public var etaAlpha: Float = 0.01
    /// χ of the robust weighting (1 = GRPO, 0 = equal-weight average).
    public var chi: Float = 1
    /// Group-DRO adjustment C (C/√N_g in the α update; 0 = off).
    public var adjustment: Float = 0
    /// ε of conservative DPO.
    public var labelSmoothing: Float = 0.1
    /// γ of SimPO.
    public var simpoGamma: Float = 0.5
    /// Weight of an added SFT term on the chosen responses (0 = off).
    public var sftWeight: Float = 0
    /// Budget, batch, optimizer, schedule, eval and checkpoint cadence, seed.
    public var training = TrainingSettings()
    /// IPO on per-token averaged log-ratios (TRL's form) instead of summed ones (the GRPO code's; default).
    public var ipoAverageLogps = false
    /// How the robust weighting scales its group losses G_g: `unbiased` (N/(N_g·|B|), default) or `reference`
    /// (N/N_g, without 1/|B|, as the GRPO reference LLM code; G and the gradients are |B| times larger).
    public var groupLossScaling = GroupLossScaling.unbiased
    /// Halve η_α whenever the plateau schedule cuts the learning rate, as the GRPO reference code does.
    public var etaAlphaHalving = false
    /// `ReduceLROnPlateau` on the worst group's validation loss (nil = off: the cosine schedule alone).
    public var plateau: PlateauSettings?
    /// Stop after this many evaluations without a new best worst-group validation loss (0 = never).
    public var earlyStoppingPatience = 0

    /// Defaults as documented on each field.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case method, beta, etaAlpha = "eta_alpha", chi, adjustment, labelSmoothing = "label_smoothing"
        case simpoGamma = "simpo_gamma", sftWeight = "sft_weight", training
        case ipoAverageLogps = "ipo_average_logps", groupLossScaling = "group_loss_scaling"
        case etaAlphaHalving = "eta_alpha_halving", plateau, earlyStoppingPatience = "early_stopping_patience"
    }

    /// `config.steps` for `config.training.steps`, and so on.
    public subscript<T>(dynamicMember key: WritableKeyPath<TrainingSettings, T>) -> T {
        get { training[keyPath: key] }
        set { training[keyPath: key] = newValue }
    }
}

/// The registry of preference losses by name. Adding a built-in loss = one file in `Losses/` + one line in
/// `builtIn`; a program that uses TinyAlign as a library adds its own with `register` (no fork of `Sources/`),
/// and then trains it with every weighting (`is-<name>`, `gr-<name>`) like the built-in ones.
public enum PreferenceLosses {
    /// A constructor of a loss from the run settings (β, label smoothing, … as the loss needs).
    public typealias Maker = @Sendable (AlignConfig) -> PreferenceLoss

    /// The losses TinyAlign ships.
    public static let builtIn: [String: Maker] = [
        "dpo": { DPOLoss(beta: $0.beta) },
        "ipo": { IPOLoss(beta: $0.beta, averageLogProbs: $0.ipoAverageLogps) },
        "hinge": { HingeLoss(beta: $0.beta) },
        "cdpo": { ConservativeDPOLoss(beta: $0.beta, labelSmoothing: $0.labelSmoothing) },
        "simpo": { SimPOLoss(beta: $0.beta, gamma: $0.simpoGamma) },
        "pl": { PlackettLuceLoss(beta: $0.beta) },
    ]

    private static let lock = NSLock()
    nonisolated(unsafe) private static var registered: [String: Maker] = [:]

    /// Loss name -> constructor: the built-in losses and those registered.
    public static var all: [String: Maker] {
        lock.lock()
        defer { lock.unlock() }
        return builtIn.merging(registered) { builtIn, _ in builtIn }
    }

    /// Adds (or replaces) a loss under `name`, usable as `--method name`, `is-name` and `gr-name` and by
    /// `AlignJob`. Names of built-in losses, names with a weighting prefix and empty names are refused.
    public static func register(_ name: String, _ make: @escaping Maker) throws {
        guard !name.isEmpty, !name.hasPrefix("is-"), !name.hasPrefix("gr-"), builtIn[name] == nil else {
            throw AlignmentError.invalidInput("cannot register a loss named \"\(name)\" (empty, prefixed by is-/gr-, or built in)")
        }
        lock.lock()
        defer { lock.unlock() }
        registered[name] = make
    }

    /// The loss of a method name, e.g. `gr-ipo` -> IPO (the weighting prefix is ignored here).
    public static func loss(for config: AlignConfig) throws -> PreferenceLoss {
        let name = GroupWeightings.baseName(of: config.method)
        guard let make = all[name] else {
            throw AlignmentError.invalidInput("unknown method \"\(config.method)\"; losses: \(all.keys.sorted().joined(separator: ", ")), optionally prefixed by is- or gr-")
        }
        return make(config)
    }
}

/// The scaling of the robust weighting's group losses (`--group-loss-scaling`).
public enum GroupLossScaling: String, Codable, CaseIterable, Sendable {
    /// G_g = N/(N_g·|B|) Σ ℓ: an unbiased estimate of group g's mean loss.
    case unbiased
    /// G_g = N/N_g Σ ℓ, as the GRPO reference LLM code computes it.
    case reference
}

/// The group weightings by method prefix: none (uniform), `is-` (importance), `gr-` (robust, α by mirror ascent).
public enum GroupWeightings {
    /// The method name without its weighting prefix.
    public static func baseName(of method: String) -> String {
        method.hasPrefix("is-") || method.hasPrefix("gr-") ? String(method.dropFirst(3)) : method
    }

    /// The weighting of a method for groups of `groupSizes` training examples each.
    public static func weighting(for config: AlignConfig, groupSizes: [Int]) throws -> GroupWeighting {
        if groupSizes.contains(0) {
            throw AlignmentError.invalidInput("every group needs at least one training pair (sizes \(groupSizes))")
        }
        if config.method.hasPrefix("is-") { return ImportanceWeighting(groupSizes: groupSizes) }
        if config.method.hasPrefix("gr-") {
            return RobustWeighting(groupSizes: groupSizes, etaAlpha: config.etaAlpha, chi: config.chi, adjustment: config.adjustment,
                                   referenceCodeScaling: config.groupLossScaling == .reference)
        }
        return UniformWeighting(groupSizes: groupSizes)
    }

    /// The state a resumed run needs of a weighting: α of the robust weighting as JSON (nil for the others,
    /// whose weights are fixed by the group sizes).
    public static func state(of weighting: GroupWeighting) throws -> Data? {
        guard let robust = weighting as? RobustWeighting else { return nil }
        return try JSONEncoder().encode(robust.alpha)
    }

    /// `weighting` with the α `state` saved.
    public static func restore(_ weighting: GroupWeighting, from state: Data?) throws -> GroupWeighting {
        guard let state, var robust = weighting as? RobustWeighting else { return weighting }
        robust.alpha = try JSONDecoder().decode([Float].self, from: state)
        return robust
    }
}
