import Datasets
import Training

/// Settings of a supervised fine-tuning run.
@dynamicMemberLookup
public struct SFTConfig: Codable, Equatable, Sendable, HasTrainingSettings {
    /// Budget, batch, optimizer, schedule, eval and checkpoint cadence, seed.
    public var training = TrainingSettings(lr: 3e-4, minLR: 3e-5, evalEvery: 50)

    /// Defaults as documented on each field.
    public init() {}

    /// `config.steps` for `config.training.steps`, and so on.
    public subscript<T>(dynamicMember key: WritableKeyPath<TrainingSettings, T>) -> T {
        get { training[keyPath: key] }
        set { training[keyPath: key] = newValue }
    }
}
