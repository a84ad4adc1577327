import ArgumentParser
import Foundation
import Models

/// The LoRA options of the training commands. Any `--lora-*` option (or `--use-rslora`, `--base-dtype`) turns
/// LoRA on: the model is frozen and only low-rank adapters are trained and saved (PEFT's format).
struct LoRAOptions: ParsableArguments {
    @Option(help: "LoRA rank r: train low-rank adapters on the frozen model instead of the whole model (default 8 once any LoRA option is given).")
    var loraR: Int?
    @Option(help: "LoRA alpha: the update is scaled by alpha/r (default 8).") var loraAlpha: Double?
    @Option(help: "Dropout on the adapters' input while training (default 0).") var loraDropout: Double?
    @Option(help: "Comma-separated modules to adapt: q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj (Llama family), c_attn,c_proj,c_fc (GPT-2), or all-linear (default: q_proj,v_proj / c_attn, as PEFT).")
    var loraTargets: String?
    @Flag(help: "rsLoRA: scale the update by alpha/sqrt(r) instead of alpha/r.") var useRslora = false
    @Option(name: .customLong("base-dtype"), help: "Hold the frozen base weights in f32, bf16 or f16 (computed in f32; LoRA only).")
    var baseDType: String?

    /// The LoRA settings, or nil when no LoRA option was given; throws for invalid values.
    func config() throws -> LoRAConfig? {
        guard loraR != nil || loraAlpha != nil || loraDropout != nil || loraTargets != nil || useRslora || baseDType != nil else { return nil }
        var c = LoRAConfig()
        if let loraR { c.r = loraR }
        if let loraAlpha { c.alpha = loraAlpha }
        if let loraDropout { c.dropout = loraDropout }
        if let loraTargets { c.targets = loraTargets.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        c.useRSLoRA = useRslora
        if let baseDType { c.baseDType = baseDType }
        do { try c.validate() } catch let e as ModelError {
            if case let .invalidInput(message) = e { throw CLIError(message) }
            throw e
        }
        return c
    }
}

/// `--adapter`: a LoRA adapter folder (TinyAlign's or PEFT's) applied to `--model`.
struct AdapterOption: ParsableArguments {
    @Option(help: "LoRA adapter folder (adapter_config.json + adapter_model.safetensors) to apply to --model; refused when it was trained on another base.")
    var adapter: String?

    /// The folder as a URL.
    var url: URL? { adapter.map { URL(fileURLWithPath: $0) } }
}
