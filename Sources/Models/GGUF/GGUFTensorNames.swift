/// llama.cpp tensor names ↔ Hugging Face names for the Llama family (gguf-py's `tensor_mapping.py` for these
/// architectures). Block tensors are `blk.N.<part>.<weight|bias>` ↔ `model.layers.N.<part>.<weight|bias>`.
public enum GGUFTensorNames {
    /// Tensors outside the blocks.
    public static let global: [(gguf: String, hf: String)] = [
        ("token_embd", "model.embed_tokens"),
        ("output_norm", "model.norm"),
        ("output", "lm_head"),
    ]

    /// Parts inside each block.
    public static let block: [(gguf: String, hf: String)] = [
        ("attn_norm", "input_layernorm"),
        ("attn_q", "self_attn.q_proj"),
        ("attn_k", "self_attn.k_proj"),
        ("attn_v", "self_attn.v_proj"),
        ("attn_output", "self_attn.o_proj"),
        ("attn_q_norm", "self_attn.q_norm"),
        ("attn_k_norm", "self_attn.k_norm"),
        ("ffn_norm", "post_attention_layernorm"),
        ("ffn_gate", "mlp.gate_proj"),
        ("ffn_up", "mlp.up_proj"),
        ("ffn_down", "mlp.down_proj"),
    ]

    /// Tensors llama.cpp's converter generates that have no Hugging Face counterpart (Llama 3.1's rotary
    /// frequency factors, computed from `rope_scaling`); they are skipped on the way to Hugging Face.
    public static let generatedOnly: Set<String> = ["rope_freqs.weight"]

    /// The Hugging Face name of a GGUF tensor name, or nil if it is not in the table.
    public static func huggingFace(_ name: String) -> String? {
        let (stem, suffix) = split(name)
        guard let suffix else { return nil }
        if let g = global.first(where: { $0.gguf == stem }) { return g.hf + suffix }
        let parts = stem.split(separator: ".", maxSplits: 2).map(String.init)
        guard parts.count == 3, parts[0] == "blk", let n = Int(parts[1]), n >= 0,
              let b = block.first(where: { $0.gguf == parts[2] }) else { return nil }
        return "model.layers.\(n).\(b.hf)" + suffix
    }

    /// The GGUF name of a Hugging Face tensor name, or nil if it is not in the table.
    public static func gguf(_ name: String) -> String? {
        let (stem, suffix) = split(name)
        guard let suffix else { return nil }
        if let g = global.first(where: { $0.hf == stem }) { return g.gguf + suffix }
        let prefix = "model.layers."
        guard stem.hasPrefix(prefix) else { return nil }
        let rest = stem.dropFirst(prefix.count)
        guard let dot = rest.firstIndex(of: "."), let n = Int(rest[..<dot]), n >= 0 else { return nil }
        let part = String(rest[rest.index(after: dot)...])
        guard let b = block.first(where: { $0.hf == part }) else { return nil }
        return "blk.\(n).\(b.gguf)" + suffix
    }

    /// The block index of a GGUF (`blk.N.…`) or HF (`model.layers.N.…`) name.
    public static func blockIndex(_ name: String) -> Int? {
        for prefix in ["blk.", "model.layers."] where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            return rest.firstIndex(of: ".").flatMap { Int(rest[..<$0]) }
        }
        return nil
    }

    private static func split(_ name: String) -> (String, String?) {
        for s in [".weight", ".bias"] where name.hasSuffix(s) { return (String(name.dropLast(s.count)), s) }
        return (name, nil)
    }
}
