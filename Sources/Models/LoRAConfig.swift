import Foundation

/// The settings of a LoRA run, named as PEFT's `LoraConfig` names them: rank r, α, dropout on the adapter's
/// input, the target modules (last name components such as `q_proj`, or `all-linear`) and rsLoRA scaling.
/// A run manifest records it, so a resume with other LoRA settings is refused.
public struct LoRAConfig: Codable, Equatable, Sendable {
    /// Rank of the update (PEFT's `r`).
    public var r: Int
    /// α: the update is scaled by α/r (α/√r with rsLoRA).
    public var alpha: Double
    /// Dropout probability on the adapter's input while training.
    public var dropout: Double
    /// Module names as PEFT spells them, or `["all-linear"]`; empty means the family's PEFT default
    /// (`q_proj, v_proj` for the Llama family, `c_attn` for GPT-2).
    public var targets: [String]
    /// Scale by α/√r (rank-stabilised LoRA) instead of α/r.
    public var useRSLoRA: Bool
    /// How the frozen base weights are held: `f32`, `bf16` or `f16` (computed in F32 either way).
    public var baseDType: String

    /// PEFT's defaults: r 8, α 8, no dropout, the family's default targets, α/r, F32 base.
    public init(r: Int = 8, alpha: Double = 8, dropout: Double = 0, targets: [String] = [], useRSLoRA: Bool = false,
                baseDType: String = "f32") {
        self.r = r
        self.alpha = alpha
        self.dropout = dropout
        self.targets = targets
        self.useRSLoRA = useRSLoRA
        self.baseDType = baseDType
    }

    enum CodingKeys: String, CodingKey {
        case r, alpha = "lora_alpha", dropout = "lora_dropout", targets = "target_modules", useRSLoRA = "use_rslora"
        case baseDType = "base_dtype"
    }

    /// The factor of the low-rank term.
    public var scaling: Float { Float(useRSLoRA ? alpha / Double(r).squareRoot() : alpha / Double(r)) }

    /// The names that mean every linear layer of the blocks.
    public static let allLinear = "all-linear"

    /// The dtypes `baseDType` may name.
    public static let baseDTypes = ["f32", "bf16", "f16"]

    /// Throws, naming the option, for a value PEFT would refuse too.
    public func validate() throws {
        guard r > 0 else { throw ModelError.invalidInput("--lora-r must be a positive integer, got \(r)") }
        guard alpha.isFinite, alpha > 0 else { throw ModelError.invalidInput("--lora-alpha must be positive, got \(alpha)") }
        guard dropout >= 0, dropout < 1 else { throw ModelError.invalidInput("--lora-dropout must lie in [0, 1), got \(dropout)") }
        guard Self.baseDTypes.contains(baseDType) else {
            throw ModelError.invalidInput("--base-dtype must be one of \(Self.baseDTypes.joined(separator: ", ")), got \(baseDType)")
        }
    }

    /// The linear modules of `model` these targets pick, by full name, in model order. An unknown name throws,
    /// listing the model's linear module names.
    public func resolveTargets(in model: any CausalLanguageModel) throws -> [(name: String, layer: AdaptableLinear)] {
        let modules = model.linearModules
        var kinds: [String] = []
        for (name, _) in modules {
            let kind = Self.kind(of: name)
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        let wanted = targets.isEmpty ? model.defaultLoRATargets : targets
        if wanted.contains(Self.allLinear) { return modules.map { ($0.0, $0.1) } }
        for name in wanted where !kinds.contains(name) {
            throw ModelError.invalidInput("--lora-targets: unknown module \"\(name)\"; this model's linear modules are "
                                          + "\(kinds.joined(separator: ", ")) (or \(Self.allLinear))")
        }
        guard !wanted.isEmpty else { throw ModelError.invalidInput("--lora-targets names no module") }
        return modules.filter { wanted.contains(Self.kind(of: $0.0)) }.map { ($0.0, $0.1) }
    }

    /// `q_proj` of `model.layers.0.self_attn.q_proj`.
    static func kind(of name: String) -> String { String(name.split(separator: ".").last ?? Substring(name)) }
}
