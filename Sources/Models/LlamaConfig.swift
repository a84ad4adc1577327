import Foundation
import TensorCore

/// How RoPE's inverse frequencies are derived from `rope_theta` (`rope_scaling` / `rope_parameters` of
/// `config.json`), with the formulas of `transformers`' `modeling_rope_utils`.
public enum RoPEScaling: Equatable, Sendable {
    /// inv_freq[i] = θ^(−2i/D).
    case none
    /// Positions divided by `factor` (inv_freq / factor).
    case linear(factor: Double)
    /// Dynamic NTK: past `max_position_embeddings` the base grows to
    /// θ · (factor · L / max − (factor − 1))^(D / (D − 2)) for a sequence of length L.
    case dynamic(factor: Double)
    /// Llama 3.x: long wavelengths divided by `factor`, short ones kept, the band between smoothly blended.
    case llama3(factor: Double, lowFreqFactor: Double, highFreqFactor: Double, originalMaxPositions: Int)
}

/// The configuration of the Llama family (`llama`, `qwen2`, `qwen3`, `mistral`, `gemma`) under Hugging Face's
/// `config.json` keys. Family differences are flags here, so one model class serves them all.
public struct LlamaConfig: Codable, Equatable, Sendable {
    /// `model_type`: llama, qwen2, qwen3, mistral or gemma.
    public var modelType: String
    /// `vocab_size`.
    public var vocabSize: Int
    /// `hidden_size`, the width C of the residual stream.
    public var hiddenSize: Int
    /// `intermediate_size` of the gated MLP.
    public var intermediateSize: Int
    /// `num_hidden_layers`.
    public var numLayers: Int
    /// `num_attention_heads` (query heads H).
    public var numHeads: Int
    /// `num_key_value_heads` (KV, dividing H; 1 is multi-query attention).
    public var numKeyValueHeads: Int
    /// `head_dim` D (defaults to C / H; Gemma 256, Qwen3 128).
    public var headDim: Int
    /// `max_position_embeddings`.
    public var maxPositions: Int
    /// `rms_norm_eps`.
    public var rmsNormEps: Double
    /// `rope_theta`.
    public var ropeTheta: Double
    /// `rope_scaling` (or `rope_parameters`).
    public var ropeScaling: RoPEScaling
    /// Biases on q/k/v (and o, except for Qwen2, whose q/k/v always have one and o never).
    public var attentionBias: Bool
    /// Biases on the MLP projections.
    public var mlpBias: Bool
    /// The output head shares the token embedding.
    public var tieWordEmbeddings: Bool
    /// `hidden_act` / Gemma's `hidden_activation`.
    public var activation: GateActivation
    /// `bos_token_id` (the first when a list).
    public var bosTokenIds: [Int]
    /// `eos_token_id`, int or list.
    public var eosTokenIds: [Int]
    /// `sliding_window` when the family applies it (Mistral; Qwen with `use_sliding_window`).
    public var slidingWindow: Int?
    /// `torch_dtype` / `dtype` the weights are stored in (e.g. "bfloat16").
    public var torchDType: String?
    /// `initializer_range`: std of freshly initialised weights.
    public var initializerRange: Double
    /// Keys not interpreted here, written back unchanged.
    public var extras: [String: JSONValue]

    /// The model types this config reads.
    public static let families = ["llama", "qwen2", "qwen3", "mistral", "gemma"]

    /// Sane upper bounds, checked before anything is allocated: a corrupt config.json cannot ask for terabytes.
    static let maxLayers = 1024, maxWidth = 1 << 17, maxVocab = 1 << 22, maxHeads = 1024, maxPositionsLimit = 1 << 24
    /// At most this many parameters (64 GB of Float32).
    static let maxParameters = 16_000_000_000
    /// The largest `rope_scaling.factor` (Llama 3.1 uses 8, long-context fine-tunes 32–64).
    static let maxRoPEFactor = 1024.0

    /// A config of `modelType`'s defaults with the given sizes.
    public init(modelType: String = "llama", vocabSize: Int, hiddenSize: Int, intermediateSize: Int, numLayers: Int,
                numHeads: Int, numKeyValueHeads: Int? = nil, headDim: Int? = nil, maxPositions: Int = 2048,
                rmsNormEps: Double = 1e-5, ropeTheta: Double = 10000, ropeScaling: RoPEScaling = .none,
                attentionBias: Bool? = nil, mlpBias: Bool = false, tieWordEmbeddings: Bool? = nil,
                activation: GateActivation? = nil, bosTokenId: Int = 1, eosTokenId: Int = 2, slidingWindow: Int? = nil) {
        self.modelType = modelType
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numLayers = numLayers
        self.numHeads = numHeads
        self.numKeyValueHeads = numKeyValueHeads ?? numHeads
        self.headDim = headDim ?? (numHeads > 0 ? hiddenSize / numHeads : 0)
        self.maxPositions = maxPositions
        self.rmsNormEps = rmsNormEps
        self.ropeTheta = ropeTheta
        self.ropeScaling = ropeScaling
        self.attentionBias = attentionBias ?? (modelType == "qwen2")
        self.mlpBias = mlpBias
        self.tieWordEmbeddings = tieWordEmbeddings ?? (modelType == "gemma")
        self.activation = activation ?? (modelType == "gemma" ? .geluTanh : .silu)
        bosTokenIds = [bosTokenId]
        eosTokenIds = [eosTokenId]
        self.slidingWindow = slidingWindow
        torchDType = "float32"
        initializerRange = 0.02
        extras = [:]
    }

    // MARK: Family traits

    /// Gemma: embeddings scaled by √C, RMSNorm scaling by (1 + weight).
    public var isGemma: Bool { modelType == "gemma" }
    /// Qwen3: RMSNorm over each head of q and k before RoPE.
    public var hasQKNorm: Bool { modelType == "qwen3" }
    /// Whether q/k/v carry a bias.
    public var qkvBias: Bool { modelType == "qwen2" || attentionBias }
    /// Whether o_proj carries a bias.
    public var outputBias: Bool { modelType == "qwen2" ? false : attentionBias }

    /// The longest sequence: `max_position_embeddings` (times the factor for dynamic NTK scaling), and no longer
    /// than the sliding window, which TinyAlign refuses to cross rather than mask.
    public var contextLength: Int {
        var n = maxPositions
        if case let .dynamic(factor) = ropeScaling { n = Int((Double(maxPositions) * factor).rounded(.down)) }
        if let w = slidingWindow { n = min(n, w) }
        return max(n, 1)
    }

    /// Rejects configurations the model cannot be built from, naming the key; overflow-checked size limits.
    public func validate() throws {
        guard Self.families.contains(modelType) else {
            throw ModelError.invalidConfig("model_type \"\(modelType)\" is not a Llama-family type (\(Self.families.joined(separator: ", ")))")
        }
        let limits: [(String, Int, Int)] = [
            ("vocab_size", vocabSize, Self.maxVocab), ("hidden_size", hiddenSize, Self.maxWidth),
            ("intermediate_size", intermediateSize, Self.maxWidth * 4), ("num_hidden_layers", numLayers, Self.maxLayers),
            ("num_attention_heads", numHeads, Self.maxHeads), ("num_key_value_heads", numKeyValueHeads, Self.maxHeads),
            ("head_dim", headDim, 4096), ("max_position_embeddings", maxPositions, Self.maxPositionsLimit),
        ]
        for (key, value, limit) in limits {
            guard value > 0 else { throw ModelError.invalidConfig("\(key) must be positive, got \(value)") }
            guard value <= limit else { throw ModelError.invalidConfig("\(key) \(value) exceeds the limit of \(limit)") }
        }
        guard numHeads % numKeyValueHeads == 0 else {
            throw ModelError.invalidConfig("num_attention_heads (\(numHeads)) is not divisible by num_key_value_heads (\(numKeyValueHeads))")
        }
        guard headDim % 2 == 0 else { throw ModelError.invalidConfig("head_dim \(headDim) must be even for RoPE") }
        guard rmsNormEps > 0, rmsNormEps < 1 else { throw ModelError.invalidConfig("rms_norm_eps must be in (0, 1), got \(rmsNormEps)") }
        guard initializerRange >= 0, initializerRange < 1e3 else {
            throw ModelError.invalidConfig("initializer_range must be in [0, 1000), got \(initializerRange)")
        }
        guard ropeTheta > 1, ropeTheta.isFinite else { throw ModelError.invalidConfig("rope_theta must be above 1, got \(ropeTheta)") }
        if let w = slidingWindow, w <= 0 { throw ModelError.invalidConfig("sliding_window must be positive, got \(w)") }
        for id in bosTokenIds + eosTokenIds where id < 0 || id >= vocabSize {
            throw ModelError.invalidConfig("token id \(id) of bos_token_id/eos_token_id is outside the vocabulary of \(vocabSize)")
        }
        switch ropeScaling {
        case .none: break
        case let .linear(f), let .dynamic(f):
            guard f >= 1, f <= Self.maxRoPEFactor else {
                throw ModelError.invalidConfig("rope_scaling.factor must be in [1, \(Int(Self.maxRoPEFactor))], got \(f)")
            }
            // Dynamic NTK stretches the context itself: max_position_embeddings × factor positions.
            if case .dynamic = ropeScaling, Double(maxPositions) * f > Double(Self.maxPositionsLimit) {
                throw ModelError.invalidConfig("max_position_embeddings × rope_scaling.factor (\(maxPositions) × \(f)) exceeds the limit of \(Self.maxPositionsLimit)")
            }
        case let .llama3(f, low, high, original):
            guard f >= 1, f <= Self.maxRoPEFactor else {
                throw ModelError.invalidConfig("rope_scaling.factor must be in [1, \(Int(Self.maxRoPEFactor))], got \(f)")
            }
            guard low > 0, high > low, high.isFinite else {
                throw ModelError.invalidConfig("rope_scaling needs 0 < low_freq_factor < high_freq_factor, got \(low) and \(high)")
            }
            guard original > 0, original <= Self.maxPositionsLimit else {
                throw ModelError.invalidConfig("rope_scaling.original_max_position_embeddings must be in [1, \(Self.maxPositionsLimit)], got \(original)")
            }
        }
        _ = try parameterCount()
    }

    /// Every parameter's Hugging Face name and shape, in `Llama.namedParameters` order, computed from the config
    /// alone, so a checkpoint's tensors can be checked before the model is built. Call it on a validated config:
    /// then every product here is bounded (at most 2¹⁷ × 2²² per dimension pair, far from overflowing).
    public var tensorShapes: [(String, [Int])] {
        let c = hiddenSize, d = headDim, q = numHeads * headDim, kv = numKeyValueHeads * headDim, i = intermediateSize
        func dense(_ name: String, out: Int, in width: Int, bias: Bool) -> [(String, [Int])] {
            [(name + ".weight", [out, width])] + (bias ? [(name + ".bias", [out])] : [])
        }
        var out: [(String, [Int])] = [("model.embed_tokens.weight", [vocabSize, c])]
        for layer in 0..<max(0, min(numLayers, Self.maxLayers)) {
            let p = "model.layers.\(layer)."
            out.append((p + "input_layernorm.weight", [c]))
            out += dense(p + "self_attn.q_proj", out: q, in: c, bias: qkvBias)
            out += dense(p + "self_attn.k_proj", out: kv, in: c, bias: qkvBias)
            out += dense(p + "self_attn.v_proj", out: kv, in: c, bias: qkvBias)
            out += dense(p + "self_attn.o_proj", out: c, in: q, bias: outputBias)
            if hasQKNorm { out += [(p + "self_attn.q_norm.weight", [d]), (p + "self_attn.k_norm.weight", [d])] }
            out.append((p + "post_attention_layernorm.weight", [c]))
            out += dense(p + "mlp.gate_proj", out: i, in: c, bias: mlpBias)
            out += dense(p + "mlp.up_proj", out: i, in: c, bias: mlpBias)
            out += dense(p + "mlp.down_proj", out: c, in: i, bias: mlpBias)
        }
        out.append(("model.norm.weight", [c]))
        if !tieWordEmbeddings { out.append(("lm_head.weight", [vocabSize, c])) }
        return out
    }

    /// Number of parameters, overflow-checked and bounded by `maxParameters`.
    public func parameterCount() throws -> Int {
        func mul(_ a: Int, _ b: Int) throws -> Int {
            let (r, o) = a.multipliedReportingOverflow(by: b)
            guard !o else { throw ModelError.invalidConfig("the model size overflows (\(a) × \(b))") }
            return r
        }
        func add(_ a: Int, _ b: Int) throws -> Int {
            let (r, o) = a.addingReportingOverflow(b)
            guard !o else { throw ModelError.invalidConfig("the model size overflows") }
            return r
        }
        let q = try mul(numHeads, headDim), kv = try mul(numKeyValueHeads, headDim)
        var layer = try add(try mul(hiddenSize, q) * 2, try mul(try mul(hiddenSize, kv), 2))
        layer = try add(layer, try mul(try mul(hiddenSize, intermediateSize), 3))
        layer = try add(layer, 2 * hiddenSize + q + 2 * kv + 2 * headDim + 3 * intermediateSize + hiddenSize)
        let embed = try mul(vocabSize, hiddenSize)
        var total = try add(try mul(layer, numLayers), try add(embed, hiddenSize))
        if !tieWordEmbeddings { total = try add(total, embed) }
        guard total <= Self.maxParameters else {
            throw ModelError.invalidConfig("the config describes \(total) parameters, above the limit of \(Self.maxParameters)")
        }
        return total
    }

    // MARK: Codable

    static let knownKeys: Set<String> = [
        "model_type", "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
        "num_key_value_heads", "head_dim", "max_position_embeddings", "rms_norm_eps", "rope_theta", "rope_scaling",
        "rope_parameters", "attention_bias", "mlp_bias", "tie_word_embeddings", "hidden_act", "hidden_activation",
        "bos_token_id", "eos_token_id", "sliding_window", "use_sliding_window", "torch_dtype", "dtype",
        "initializer_range", "architectures", "pretraining_tp", "partial_rotary_factor",
    ]

    /// Reads HF keys with each family's defaults; an unsupported option throws naming its key.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        func value<T: Decodable>(_ key: String, _ type: T.Type) throws -> T? {
            do { return try c.decodeIfPresent(T.self, forKey: AnyKey(key)) } catch {
                throw ModelError.invalidConfig("\(key) has the wrong type (expected \(T.self))")
            }
        }
        func required(_ key: String) throws -> Int {
            guard let v = try value(key, Int.self) else { throw ModelError.invalidConfig("missing key \(key)") }
            return v
        }
        func ids(_ key: String) throws -> [Int] {
            if let one = try? c.decodeIfPresent(Int.self, forKey: AnyKey(key)) { return [one] }
            if let list = try? c.decodeIfPresent([Int].self, forKey: AnyKey(key)) { return list }
            if (try? c.decodeNil(forKey: AnyKey(key))) ?? true { return [] }
            throw ModelError.invalidConfig("\(key) must be an integer or a list of integers")
        }
        modelType = try value("model_type", String.self) ?? "llama"
        guard Self.families.contains(modelType) else {
            throw ModelError.invalidConfig("model_type \"\(modelType)\" is not a Llama-family type")
        }
        let gemma = modelType == "gemma"
        vocabSize = try required("vocab_size")
        hiddenSize = try required("hidden_size")
        intermediateSize = try required("intermediate_size")
        numLayers = try required("num_hidden_layers")
        numHeads = try required("num_attention_heads")
        numKeyValueHeads = try value("num_key_value_heads", Int.self) ?? numHeads
        let defaultHead = gemma ? 256 : (modelType == "qwen3" ? 128 : (numHeads > 0 ? hiddenSize / numHeads : 0))
        headDim = try value("head_dim", Int.self) ?? defaultHead
        maxPositions = try value("max_position_embeddings", Int.self) ?? 2048
        rmsNormEps = try value("rms_norm_eps", Double.self) ?? 1e-6
        attentionBias = try value("attention_bias", Bool.self) ?? false
        mlpBias = try value("mlp_bias", Bool.self) ?? false
        tieWordEmbeddings = try value("tie_word_embeddings", Bool.self) ?? gemma
        initializerRange = try value("initializer_range", Double.self) ?? 0.02
        torchDType = try value("torch_dtype", String.self) ?? value("dtype", String.self)
        bosTokenIds = try ids("bos_token_id")
        eosTokenIds = try ids("eos_token_id")

        // Gemma's MLP reads `hidden_activation` when set, else `hidden_act`.
        let actKey = try gemma && value("hidden_activation", String.self) != nil ? "hidden_activation" : "hidden_act"
        let act = try value(actKey, String.self) ?? (gemma ? "gelu_pytorch_tanh" : "silu")
        switch act {
        case "silu", "swish": activation = .silu
        case "gelu_pytorch_tanh", "gelu_new", "gelu_fast": activation = .geluTanh
        default: throw ModelError.invalidConfig("\(actKey) \"\(act)\" is not supported (silu, gelu_pytorch_tanh)")
        }
        if let tp = try value("pretraining_tp", Int.self), tp != 1 {
            throw ModelError.invalidConfig("pretraining_tp \(tp) is not supported (only 1)")
        }
        if let partial = try value("partial_rotary_factor", Double.self), partial != 1 {
            throw ModelError.invalidConfig("partial_rotary_factor \(partial) is not supported (only 1)")
        }

        // Mistral always slides; Qwen only with use_sliding_window (its sliding_window key is otherwise inert).
        let window = try value("sliding_window", Int.self)
        switch modelType {
        case "mistral": slidingWindow = window
        case "qwen2", "qwen3": slidingWindow = (try value("use_sliding_window", Bool.self) ?? false) ? window : nil
        default: slidingWindow = nil
        }

        // RoPE: transformers 4 writes rope_theta + rope_scaling, transformers 5 one rope_parameters object.
        var scaling = try value("rope_scaling", [String: JSONValue].self)
        let parameters = try value("rope_parameters", [String: JSONValue].self)
        if scaling == nil { scaling = parameters }
        var theta = try value("rope_theta", Double.self)
        if case let .number(t)? = parameters?["rope_theta"] { theta = t }
        ropeTheta = theta ?? 10000
        ropeScaling = try Self.parseScaling(scaling)

        var rest: [String: JSONValue] = [:]
        for key in c.allKeys where !Self.knownKeys.contains(key.stringValue) {
            rest[key.stringValue] = try c.decode(JSONValue.self, forKey: key)
        }
        extras = rest
        try validate()
    }

    static func parseScaling(_ object: [String: JSONValue]?) throws -> RoPEScaling {
        guard let object else { return .none }
        func number(_ key: String) throws -> Double {
            guard case let .number(v)? = object[key] else { throw ModelError.invalidConfig("rope_scaling.\(key) is missing or not a number") }
            return v
        }
        var type: String?
        if case let .string(s)? = object["rope_type"] { type = s } else if case let .string(s)? = object["type"] { type = s }
        switch type ?? "default" {
        case "default": return .none
        case "linear": return .linear(factor: try number("factor"))
        case "dynamic": return .dynamic(factor: try number("factor"))
        case "llama3":
            // A JSON number may be 1e300 or fractional: only an exact integer in range becomes a position count.
            let original = try number("original_max_position_embeddings")
            guard original.rounded() == original, original >= 1, original <= Double(maxPositionsLimit) else {
                throw ModelError.invalidConfig("rope_scaling.original_max_position_embeddings must be an integer in [1, \(maxPositionsLimit)], got \(original)")
            }
            return .llama3(factor: try number("factor"), lowFreqFactor: try number("low_freq_factor"),
                           highFreqFactor: try number("high_freq_factor"), originalMaxPositions: Int(original))
        case let other:
            throw ModelError.invalidConfig("rope_scaling.rope_type \"\(other)\" is not supported (default, linear, dynamic, llama3)")
        }
    }

    /// The `rope_scaling` object, or nil for none.
    var scalingJSON: JSONValue {
        switch ropeScaling {
        case .none: return .null
        case let .linear(f): return .object(["rope_type": .string("linear"), "type": .string("linear"), "factor": .number(f)])
        case let .dynamic(f): return .object(["rope_type": .string("dynamic"), "type": .string("dynamic"), "factor": .number(f)])
        case let .llama3(f, low, high, original):
            return .object(["rope_type": .string("llama3"), "factor": .number(f), "low_freq_factor": .number(low),
                            "high_freq_factor": .number(high), "original_max_position_embeddings": .number(Double(original))])
        }
    }

    /// `LlamaForCausalLM`, `Qwen2ForCausalLM`, … for `architectures`.
    var architecture: String {
        switch modelType {
        case "qwen2": return "Qwen2ForCausalLM"
        case "qwen3": return "Qwen3ForCausalLM"
        case "mistral": return "MistralForCausalLM"
        case "gemma": return "GemmaForCausalLM"
        default: return "LlamaForCausalLM"
        }
    }

    /// Writes the keys `transformers` reads (rope_theta + rope_scaling, which transformers 5 also accepts),
    /// plus every key that was read but not interpreted.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        for (key, v) in extras { try c.encode(v, forKey: AnyKey(key)) }
        func put<T: Encodable>(_ key: String, _ v: T) throws { try c.encode(v, forKey: AnyKey(key)) }
        try put("model_type", modelType)
        try put("architectures", [architecture])
        try put("vocab_size", vocabSize)
        try put("hidden_size", hiddenSize)
        try put("intermediate_size", intermediateSize)
        try put("num_hidden_layers", numLayers)
        try put("num_attention_heads", numHeads)
        try put("num_key_value_heads", numKeyValueHeads)
        try put("head_dim", headDim)
        try put("max_position_embeddings", maxPositions)
        try put("rms_norm_eps", rmsNormEps)
        try put("rope_theta", ropeTheta)
        try put("rope_scaling", scalingJSON)
        try put("attention_bias", attentionBias)
        try put("mlp_bias", mlpBias)
        try put("tie_word_embeddings", tieWordEmbeddings)
        try put(isGemma ? "hidden_activation" : "hidden_act", activation == .silu ? "silu" : "gelu_pytorch_tanh")
        if isGemma { try put("hidden_act", activation == .silu ? "silu" : "gelu_pytorch_tanh") }
        try put("initializer_range", initializerRange)
        func ids(_ list: [Int]) -> JSONValue {
            switch list.count {
            case 0: return .null
            case 1: return .number(Double(list[0]))
            default: return .array(list.map { .number(Double($0)) })
            }
        }
        try put("bos_token_id", ids(bosTokenIds))
        try put("eos_token_id", ids(eosTokenIds))
        if let w = slidingWindow {
            try put("sliding_window", w)
            if modelType.hasPrefix("qwen") { try put("use_sliding_window", true) }
        } else if modelType == "mistral" { try put("sliding_window", JSONValue.null) }
        if let torchDType { try put("torch_dtype", torchDType) }
    }
}
