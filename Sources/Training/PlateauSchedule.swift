/// When to cut the learning rate (`ReduceLROnPlateau`) and when to stop early, from a validation loss.
public struct PlateauSettings: Codable, Equatable, Sendable {
    /// The learning rate is multiplied by this at every plateau (PyTorch's default 0.1; the GRPO code uses 0.5).
    public var factor: Float = 0.5
    /// Evaluations without improvement tolerated; the cut comes at the next one (PyTorch's `num_bad > patience`).
    public var patience = 2
    /// A value improves on the best only when below best · (1 − threshold) (PyTorch's `threshold_mode="rel"`).
    public var threshold = 1e-4
    /// The scale never goes below this (PyTorch's `min_lr` as a fraction of the scheduled rate).
    public var minScale: Float = 0

    /// Defaults as documented on each field.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case factor, patience, threshold, minScale = "min_scale"
    }
}

/// Watches one validation loss (the worst group's, for the group-robust runs) across evaluations: cuts the
/// learning-rate scale as PyTorch's `ReduceLROnPlateau(mode="min")` does (no cooldown), and asks to stop once
/// `earlyStoppingPatience` evaluations in a row failed to improve on the best. Its state goes into checkpoints.
public struct PlateauSchedule: Codable, Equatable, Sendable {
    /// Plateau settings; nil keeps the scale at 1.
    public var plateau: PlateauSettings?
    /// Evaluations without improvement after which the run stops (0 = never).
    public var earlyStoppingPatience: Int
    /// The best value seen.
    public private(set) var best = Double.infinity
    /// Evaluations since the last plateau cut (or start) that did not improve (PyTorch's `num_bad_epochs`).
    public private(set) var badEvaluations = 0
    /// Evaluations since the best one.
    public private(set) var sinceBest = 0
    /// The factor on the scheduled learning rate.
    public private(set) var scale: Float = 1
    /// Cuts so far.
    public private(set) var cuts = 0

    /// A schedule with nothing seen yet.
    public init(plateau: PlateauSettings?, earlyStoppingPatience: Int = 0) {
        self.plateau = plateau
        self.earlyStoppingPatience = earlyStoppingPatience
    }

    /// What one evaluation decided.
    public struct Decision: Equatable, Sendable {
        /// The learning rate was cut at this evaluation.
        public var cut: Bool
        /// The run should stop now.
        public var stop: Bool
    }

    /// Takes one evaluation's value; a NaN counts as no improvement.
    public mutating func observe(_ value: Double) -> Decision {
        if value < best * (1 - (plateau?.threshold ?? 0)) {        // PyTorch's test, also for negative values
            best = value
            badEvaluations = 0
            sinceBest = 0
        } else {
            badEvaluations += 1
            sinceBest += 1
        }
        var cut = false
        if let plateau, badEvaluations > plateau.patience {
            let next = max(scale * plateau.factor, plateau.minScale)
            // PyTorch skips a cut smaller than its eps (1e-8), here taken on the scale.
            if scale - next > 1e-8 {
                scale = next
                cuts += 1
                cut = true
            }
            badEvaluations = 0
        }
        return Decision(cut: cut, stop: earlyStoppingPatience > 0 && sinceBest >= earlyStoppingPatience)
    }
}
