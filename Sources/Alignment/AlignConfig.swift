import Models

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

    /// Defaults as documented on each field.
    public init() {}

    /// `config.steps` for `config.training.steps`, and so on.
    public subscript<T>(dynamicMember key: WritableKeyPath<TrainingSettings, T>) -> T {
        get { training[keyPath: key] }
        set { training[keyPath: key] = newValue }
    }
}

/// The registry of preference losses by name. Adding a loss = one file in `Losses/` + one line here.
public enum PreferenceLosses {
    /// Loss name -> constructor from the run settings.
    public static let all: [String: @Sendable (AlignConfig) -> PreferenceLoss] = [
        "dpo": { DPOLoss(beta: $0.beta) },
        "ipo": { IPOLoss(beta: $0.beta) },
        "hinge": { HingeLoss(beta: $0.beta) },
        "cdpo": { ConservativeDPOLoss(beta: $0.beta, labelSmoothing: $0.labelSmoothing) },
        "simpo": { SimPOLoss(beta: $0.beta, gamma: $0.simpoGamma) },
        "pl": { PlackettLuceLoss(beta: $0.beta) },
    ]

    /// Splits a method name into its loss and weighting, e.g. `gr-ipo` -> (IPO, robust).
    public static func resolve(_ config: AlignConfig, groupSizes: [Int]) throws -> (PreferenceLoss, GroupWeighting) {
        var name = config.method
        var weighting: GroupWeighting = UniformWeighting(groupSizes: groupSizes)
        if name.hasPrefix("is-") {
            name.removeFirst(3)
            weighting = ImportanceWeighting(groupSizes: groupSizes)
        } else if name.hasPrefix("gr-") {
            name.removeFirst(3)
            weighting = RobustWeighting(groupSizes: groupSizes, etaAlpha: config.etaAlpha, chi: config.chi,
                                        adjustment: config.adjustment)
        }
        guard let make = all[name] else {
            throw AlignmentError.invalidInput("unknown method \"\(config.method)\"; losses: \(all.keys.sorted().joined(separator: ", ")), optionally prefixed by is- or gr-")
        }
        if groupSizes.contains(0) {
            throw AlignmentError.invalidInput("every group needs at least one training pair (sizes \(groupSizes))")
        }
        return (make(config), weighting)
    }
}
