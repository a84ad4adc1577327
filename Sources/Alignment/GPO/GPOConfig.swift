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

    enum CodingKeys: String, CodingKey {
        case embeddingDimension = "embedding_dim", dModel = "d_model", layers = "n_layer", heads = "n_head"
    }

    /// A config; the defaults are small enough to meta-train in a minute on two cores.
    public init(embeddingDimension: Int, dModel: Int = 64, layers: Int = 3, heads: Int = 4) {
        self.embeddingDimension = embeddingDimension
        self.dModel = dModel
        self.layers = layers
        self.heads = heads
    }

    /// Throws unless every size is positive and the heads divide the width.
    public func validate() throws {
        guard embeddingDimension > 0, dModel > 0, layers > 0, heads > 0, dModel % heads == 0 else {
            throw AlignmentError.invalidInput("GPO config: embedding_dim \(embeddingDimension), d_model \(dModel), "
                + "n_layer \(layers), n_head \(heads); all must be positive and n_head must divide d_model")
        }
    }
}
