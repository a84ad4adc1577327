/// The Llama-family architectures the GGUF ↔ Hugging Face mapping knows, with the facts that differ between
/// them in llama.cpp's `convert_hf_to_gguf.py`.
public enum GGUFArchitecture: String, CaseIterable, Sendable {
    /// `general.architecture` values (mistral is stored as llama).
    case llama, qwen2, qwen3, gemma

    /// The architecture a Hugging Face `model_type` converts to. Mistral is converted as `llama` (llama.cpp's
    /// `LlamaModel` handles `MistralForCausalLM`), so it comes back from GGUF as a `llama` config.
    public init?(huggingFaceModelType: String) {
        switch huggingFaceModelType {
        case "llama", "mistral": self = .llama
        case "qwen2": self = .qwen2
        case "qwen3": self = .qwen3
        case "gemma": self = .gemma
        default: return nil
        }
    }

    /// `config.json`'s `model_type`.
    public var huggingFaceModelType: String { rawValue }

    /// `config.json`'s `architectures[0]`.
    public var huggingFaceClass: String {
        switch self {
        case .llama: return "LlamaForCausalLM"
        case .qwen2: return "Qwen2ForCausalLM"
        case .qwen3: return "Qwen3ForCausalLM"
        case .gemma: return "GemmaForCausalLM"
        }
    }

    /// Whether the converter reorders Q/K rows (`LlamaModel.permute`): llama.cpp's `llama` graph uses the
    /// "normal" rotary layout (adjacent pairs), HF Llama the "neox" one (halves); Qwen and Gemma use neox in both.
    public var permutesQK: Bool { self == .llama }

    /// Whether RMSNorm weights are stored as `w + 1`: Gemma's HF norm computes `x · (1 + w)`, and the converter
    /// folds the 1 in so llama.cpp can use a plain `x · w`.
    public var storesNormPlusOne: Bool { self == .gemma }

    /// The activation name for `config.json` (`hidden_act`).
    public var hiddenAct: String { self == .gemma ? "gelu_pytorch_tanh" : "silu" }
}
