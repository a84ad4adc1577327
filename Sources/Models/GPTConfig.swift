import Foundation

/// A GPT-2 configuration, read from and written to Hugging Face's `config.json` keys.
public struct GPTConfig: Codable, Equatable, Sendable {
    /// Vocabulary size (rows of the token embedding and the tied output head).
    public var vocabSize: Int
    /// Longest context (rows of the position embedding).
    public var nPositions: Int
    /// Width of the residual stream.
    public var nEmbd: Int
    /// Number of transformer blocks.
    public var nLayer: Int
    /// Attention heads per block; must divide `nEmbd`.
    public var nHead: Int
    /// Epsilon of every layer norm.
    public var layerNormEpsilon: Float
    /// Id of the end-of-text token (also used as BOS by GPT-2).
    public var eosTokenId: Int
    /// Id of the beginning-of-text token.
    public var bosTokenId: Int

    /// A configuration; `eosTokenId` defaults to the last id of the vocabulary.
    public init(vocabSize: Int, nPositions: Int, nEmbd: Int, nLayer: Int, nHead: Int,
                layerNormEpsilon: Float = 1e-5, eosTokenId: Int? = nil, bosTokenId: Int? = nil) {
        self.vocabSize = vocabSize
        self.nPositions = nPositions
        self.nEmbd = nEmbd
        self.nLayer = nLayer
        self.nHead = nHead
        self.layerNormEpsilon = layerNormEpsilon
        self.eosTokenId = eosTokenId ?? vocabSize - 1
        self.bosTokenId = bosTokenId ?? self.eosTokenId
    }

    /// 4 layers, 4 heads, n_embd 128, context 128.
    public static func tiny(vocabSize: Int = 256) -> GPTConfig {
        GPTConfig(vocabSize: vocabSize, nPositions: 128, nEmbd: 128, nLayer: 4, nHead: 4)
    }

    /// 6 layers, 6 heads, n_embd 384, context 256.
    public static func small(vocabSize: Int = 256) -> GPTConfig {
        GPTConfig(vocabSize: vocabSize, nPositions: 256, nEmbd: 384, nLayer: 6, nHead: 6)
    }

    /// A named config (`tiny`, `small`) or nil.
    public static func named(_ name: String, vocabSize: Int = 256) -> GPTConfig? {
        switch name {
        case "tiny": return tiny(vocabSize: vocabSize)
        case "small": return small(vocabSize: vocabSize)
        default: return nil
        }
    }

    /// The largest values `validate` accepts. They bound what a `config.json` can make TinyAlign allocate
    /// before any weight is read: far above any model a CPU trains, far below what overflows.
    public enum Limits {
        /// `vocab_size`.
        public static let vocabSize = 1 << 22
        /// `n_positions`.
        public static let nPositions = 1 << 20
        /// `n_embd`.
        public static let nEmbd = 1 << 16
        /// `n_layer`.
        public static let nLayer = 1 << 10
        /// Parameters in total (2³², 16 GiB as `Float32`).
        public static let parameters = 1 << 32
    }

    /// Rejects configurations the model cannot be built from, naming the field: non-positive or absurd sizes
    /// (see `Limits`, with the parameter count computed overflow-checked), an epsilon that is not a small
    /// positive number, token ids outside the vocabulary.
    public func validate() throws {
        for (name, value, limit) in [("vocab_size", vocabSize, Limits.vocabSize), ("n_positions", nPositions, Limits.nPositions),
                                     ("n_embd", nEmbd, Limits.nEmbd), ("n_layer", nLayer, Limits.nLayer),
                                     ("n_head", nHead, Limits.nEmbd)] {
            guard value > 0 else { throw ModelError.invalidConfig("\(name) must be positive, got \(value)") }
            guard value <= limit else { throw ModelError.invalidConfig("\(name) \(value) exceeds the limit of \(limit)") }
        }
        guard nEmbd % nHead == 0 else {
            throw ModelError.invalidConfig("n_embd (\(nEmbd)) is not divisible by n_head (\(nHead))")
        }
        guard layerNormEpsilon.isFinite, layerNormEpsilon > 0, layerNormEpsilon < 1 else {
            throw ModelError.invalidConfig("layer_norm_epsilon must be in (0, 1), got \(layerNormEpsilon)")
        }
        guard eosTokenId >= 0 && eosTokenId < vocabSize else {
            throw ModelError.invalidConfig("eos_token_id \(eosTokenId) is outside the vocabulary of \(vocabSize)")
        }
        guard bosTokenId >= 0 && bosTokenId < vocabSize else {
            throw ModelError.invalidConfig("bos_token_id \(bosTokenId) is outside the vocabulary of \(vocabSize)")
        }
        var total = 0
        for (_, shape) in tensorShapes {
            let (count, o1) = shape.reduce((1, false)) { acc, d in
                let r = acc.0.multipliedReportingOverflow(by: d); return (r.partialValue, acc.1 || r.overflow)
            }
            let (sum, o2) = total.addingReportingOverflow(count)
            guard !o1, !o2, sum <= Limits.parameters else {
                throw ModelError.invalidConfig("the model would have more than \(Limits.parameters) parameters "
                                               + "(n_layer \(nLayer), n_embd \(nEmbd), vocab_size \(vocabSize), n_positions \(nPositions))")
            }
            total = sum
        }
    }

    /// Every parameter's Hugging Face name and shape, in `GPT.namedParameters` order, computed from the config
    /// alone (multiplications by at most 4 of values already bounded by `Limits`), so a checkpoint's tensors can
    /// be checked before the model is built.
    public var tensorShapes: [(String, [Int])] {
        let c = nEmbd
        var out: [(String, [Int])] = [("transformer.wte.weight", [vocabSize, c]), ("transformer.wpe.weight", [nPositions, c])]
        for i in 0..<max(0, min(nLayer, Limits.nLayer)) {
            let p = "transformer.h.\(i)."
            out += [(p + "ln_1.weight", [c]), (p + "ln_1.bias", [c]),
                    (p + "attn.c_attn.weight", [c, 3 * c]), (p + "attn.c_attn.bias", [3 * c]),
                    (p + "attn.c_proj.weight", [c, c]), (p + "attn.c_proj.bias", [c]),
                    (p + "ln_2.weight", [c]), (p + "ln_2.bias", [c]),
                    (p + "mlp.c_fc.weight", [c, 4 * c]), (p + "mlp.c_fc.bias", [4 * c]),
                    (p + "mlp.c_proj.weight", [4 * c, c]), (p + "mlp.c_proj.bias", [c])]
        }
        return out + [("transformer.ln_f.weight", [c]), ("transformer.ln_f.bias", [c])]
    }

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", nPositions = "n_positions", nEmbd = "n_embd", nLayer = "n_layer", nHead = "n_head"
        case layerNormEpsilon = "layer_norm_epsilon", eosTokenId = "eos_token_id", bosTokenId = "bos_token_id"
        case nCtx = "n_ctx", modelType = "model_type", architectures, activationFunction = "activation_function"
        case nInner = "n_inner", tieWordEmbeddings = "tie_word_embeddings"
        case residPdrop = "resid_pdrop", embdPdrop = "embd_pdrop", attnPdrop = "attn_pdrop"
        case initializerRange = "initializer_range"
    }

    /// Reads HF keys; missing optional keys take GPT-2's defaults. Unsupported variants are rejected.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        nPositions = try c.decodeIfPresent(Int.self, forKey: .nPositions) ?? c.decode(Int.self, forKey: .nCtx)
        nEmbd = try c.decode(Int.self, forKey: .nEmbd)
        nLayer = try c.decode(Int.self, forKey: .nLayer)
        nHead = try c.decode(Int.self, forKey: .nHead)
        layerNormEpsilon = try c.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? 1e-5
        eosTokenId = try c.decodeIfPresent(Int.self, forKey: .eosTokenId) ?? vocabSize - 1
        bosTokenId = try c.decodeIfPresent(Int.self, forKey: .bosTokenId) ?? eosTokenId
        if let act = try c.decodeIfPresent(String.self, forKey: .activationFunction), act != "gelu_new" {
            throw ModelError.invalidConfig("activation_function \"\(act)\" is not supported (only gelu_new)")
        }
        if let inner = try c.decodeIfPresent(Int.self, forKey: .nInner), inner != 4 * nEmbd {
            throw ModelError.invalidConfig("n_inner \(inner) is not supported (only 4 × n_embd)")
        }
        if let tied = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings), !tied {
            throw ModelError.invalidConfig("tie_word_embeddings false is not supported")
        }
    }

    /// Writes the keys `transformers.GPT2Config` reads, so the folder loads in `GPT2LMHeadModel`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("gpt2", forKey: .modelType)
        try c.encode(["GPT2LMHeadModel"], forKey: .architectures)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(nPositions, forKey: .nPositions)
        try c.encode(nPositions, forKey: .nCtx)
        try c.encode(nEmbd, forKey: .nEmbd)
        try c.encode(nLayer, forKey: .nLayer)
        try c.encode(nHead, forKey: .nHead)
        try c.encode(layerNormEpsilon, forKey: .layerNormEpsilon)
        try c.encode("gelu_new", forKey: .activationFunction)
        try c.encode(eosTokenId, forKey: .eosTokenId)
        try c.encode(bosTokenId, forKey: .bosTokenId)
        try c.encode(true, forKey: .tieWordEmbeddings)
        try c.encode(0.0, forKey: .residPdrop)
        try c.encode(0.0, forKey: .embdPdrop)
        try c.encode(0.0, forKey: .attnPdrop)
        try c.encode(0.02, forKey: .initializerRange)
    }
}
