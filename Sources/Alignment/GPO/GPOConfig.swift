import Datasets
/// The shape of a GPO transformer, stored as `gpo_config.json` beside its weights.
public struct GPOConfig: Codable, Equatable, Sendable {
    /// Dimension C of the option embeddings (the base model's n_embd); a point has C + 1 features.
    public var embeddingDimension: Int
    /// Width of the transformer.
    public var dModel: Int
    /// Number of blocks.
    public var layers: Int
    /// Attention heads per block (must divide `dModel`).
    public var heads: Int
    /// The training likelihood: `mse` (fixed-variance Gaussian; TinyAlign's original) or `learned-sigma` (a second
    /// head predicts each target's σ and the loss is the Gaussian negative log-likelihood, as the GPO code).
    public var likelihood = GPOLikelihood.mse

    enum CodingKeys: String, CodingKey {
        case embeddingDimension = "embedding_dim", dModel = "d_model", layers = "n_layer", heads = "n_head"
        case likelihood
    }

    /// A config; the defaults are small enough to meta-train in a minute on two cores.
    public init(embeddingDimension: Int, dModel: Int = 64, layers: Int = 3, heads: Int = 4, likelihood: GPOLikelihood = .mse) {
        self.embeddingDimension = embeddingDimension
        self.dModel = dModel
        self.layers = layers
        self.heads = heads
        self.likelihood = likelihood
    }

    /// Reads a config; one written before `likelihood` existed is an `mse` model.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        embeddingDimension = try c.decode(Int.self, forKey: .embeddingDimension)
        dModel = try c.decode(Int.self, forKey: .dModel)
        layers = try c.decode(Int.self, forKey: .layers)
        heads = try c.decode(Int.self, forKey: .heads)
        likelihood = try c.decodeIfPresent(GPOLikelihood.self, forKey: .likelihood) ?? .mse
    }

    /// Throws unless every size is positive and the heads divide the width.
    public func validate() throws {
        guard embeddingDimension > 0, dModel > 0, layers > 0, heads > 0, dModel % heads == 0 else {
            throw AlignmentError.invalidInput("GPO config: embedding_dim \(embeddingDimension), d_model \(dModel), "
                + "n_layer \(layers), n_head \(heads); all must be positive and n_head must divide d_model")
        }
    }
}

/// How GPO scores a predicted distribution against the group's true shares during meta-training.
public enum GPOLikelihood: String, Codable, CaseIterable, Sendable {
    /// Mean squared error: a Gaussian with one fixed variance for every target.
    case mse
    /// Gaussian negative log-likelihood with a σ predicted per target point (the GPO reference code).
    case learnedSigma = "learned-sigma"
}
