import Foundation

/// GGUF metadata ↔ Hugging Face `config.json` for the Llama family. See docs/gguf.md for the table.
///
/// `{arch}.block_count` ↔ `num_hidden_layers`, `embedding_length` ↔ `hidden_size`, `feed_forward_length` ↔
/// `intermediate_size`, `attention.head_count` ↔ `num_attention_heads`, `attention.head_count_kv` ↔
/// `num_key_value_heads`, `attention.key_length` ↔ `head_dim`, `rope.freq_base` ↔ `rope_theta`,
/// `attention.layer_norm_rms_epsilon` ↔ `rms_norm_eps`, `context_length` ↔ `max_position_embeddings`,
/// `vocab_size` (or the token list) ↔ `vocab_size`, `rope.scaling.{type,factor,original_context_length}` ↔
/// `rope_scaling`, `tokenizer.ggml.{bos,eos,padding}_token_id` ↔ `{bos,eos,pad}_token_id`; a missing
/// `output.weight` means `tie_word_embeddings`.
public enum GGUFConfigMapping {
    /// The architecture named by `general.architecture`.
    public static func architecture(of file: GGUFFile) throws -> GGUFArchitecture {
        guard let name = file.metadata["general.architecture"]?.string else {
            throw GGUFError.malformed(path: file.path, "missing metadata general.architecture")
        }
        guard let arch = GGUFArchitecture(rawValue: name) else {
            throw GGUFError.unsupported(path: file.path, "architecture '\(name)' (supported: \(GGUFArchitecture.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return arch
    }

    /// A float32 metadata value as the decimal it was written from (1e-5, not 9.99999974737875e-06).
    static func decimal(_ v: GGUFValue) -> Double? {
        if case let .float32(f) = v { return Double("\(f)") }
        return v.double
    }

    /// The Hugging Face config of a GGUF file.
    public static func huggingFaceConfig(of file: GGUFFile) throws -> [String: Any] {
        let arch = try architecture(of: file)
        let a = arch.rawValue
        func value(_ key: String) -> GGUFValue? { file.metadata["\(a).\(key)"] }
        func int(_ key: String) throws -> Int? {
            guard let v = value(key) else { return nil }
            guard let i = v.int else { throw GGUFError.malformed(path: file.path, "metadata \(a).\(key) is not an integer") }
            return i
        }
        func required(_ key: String) throws -> Int {
            guard let i = try int(key) else { throw GGUFError.malformed(path: file.path, "missing metadata \(a).\(key)") }
            return i
        }
        let hidden = try required("embedding_length")
        let heads = try required("attention.head_count")
        guard heads > 0 else { throw GGUFError.malformed(path: file.path, "\(a).attention.head_count is 0") }
        var c: [String: Any] = [
            "architectures": [arch.huggingFaceClass],
            "model_type": arch.huggingFaceModelType,
            "hidden_size": hidden,
            "intermediate_size": try required("feed_forward_length"),
            "num_hidden_layers": try required("block_count"),
            "num_attention_heads": heads,
            "num_key_value_heads": try int("attention.head_count_kv") ?? heads,
            "head_dim": try int("attention.key_length") ?? hidden / heads,
            "rope_theta": value("rope.freq_base").flatMap(decimal) ?? 10000.0,
            "rms_norm_eps": value("attention.layer_norm_rms_epsilon").flatMap(decimal) ?? 1e-6,
            "max_position_embeddings": try int("context_length") ?? 2048,
            "tie_word_embeddings": file.info("output.weight") == nil,
            "hidden_act": arch.hiddenAct,
            "torch_dtype": "float32",
        ]
        let tokens = file.metadata["tokenizer.ggml.tokens"]?.array?.count
        if let v = try int("vocab_size") ?? tokens ?? file.info("token_embd.weight")?.shape.first { c["vocab_size"] = v }
        for (hf, key) in [("bos_token_id", "bos_token_id"), ("eos_token_id", "eos_token_id"), ("pad_token_id", "padding_token_id")] {
            if let id = file.metadata["tokenizer.ggml.\(key)"]?.int { c[hf] = id }
        }
        if arch == .llama { c["attention_bias"] = file.info("blk.0.attn_q.bias") != nil }
        if arch == .llama, let info = file.info("rope_freqs.weight") {
            let values = try file.tensor(info).scalars
            if let scaling = Llama3RopeScaling.recover(from: values, theta: c["rope_theta"] as! Double, headDim: c["head_dim"] as! Int) {
                c["rope_scaling"] = scaling.huggingFace
            }
        } else if let type = value("rope.scaling.type")?.string, type != "none" {
            var s: [String: Any] = ["rope_type": type]
            if let f = value("rope.scaling.factor").flatMap(decimal) { s["factor"] = f }
            if let n = try int("rope.scaling.original_context_length") { s["original_max_position_embeddings"] = n }
            c["rope_scaling"] = s
        }
        return c
    }

    /// The Llama 3 scaling of a config.json, if its `rope_scaling` has `rope_type` "llama3".
    static func llama3Scaling(config: [String: Any], path: String) throws -> Llama3RopeScaling? {
        guard let s = try JSONFields(dict: config, path: path).object("rope_scaling") else { return nil }
        let rs = JSONFields(dict: s, path: path + " rope_scaling")
        guard try (rs.string("rope_type") ?? rs.string("type")) == "llama3" else { return nil }
        guard let factor = try rs.double("factor") else { throw GGUFError.invalidArgument("\(path): rope_scaling llama3 has no factor") }
        return Llama3RopeScaling(factor: factor, lowFreqFactor: try rs.double("low_freq_factor") ?? 1,
                                 highFreqFactor: try rs.double("high_freq_factor") ?? 4,
                                 originalContextLength: try rs.int("original_max_position_embeddings") ?? 8192)
    }

    /// The GGUF metadata for a Hugging Face config, in the order `convert_hf_to_gguf.py` writes it;
    /// `fileType` is llama.cpp's `general.file_type` (0 all F32, 1 mostly F16, 7 mostly Q8_0).
    public static func ggufMetadata(config: [String: Any], name: String, fileType: Int, path: String) throws
        -> (GGUFArchitecture, [(String, GGUFValue)]) {
        let f = JSONFields(dict: config, path: path)
        guard let modelType = try f.string("model_type") else { throw GGUFError.invalidArgument("\(path): missing field model_type") }
        guard let arch = GGUFArchitecture(huggingFaceModelType: modelType) else {
            throw GGUFError.invalidArgument("\(path): model_type '\(modelType)' is not supported (llama, mistral, qwen2, qwen3, gemma)")
        }
        let a = arch.rawValue
        let hidden = try f.requiredInt("hidden_size"), heads = try f.requiredInt("num_attention_heads")
        guard heads > 0 else { throw GGUFError.invalidArgument("\(path): num_attention_heads is 0") }
        let headDim = try f.int("head_dim") ?? hidden / heads
        func u32(_ v: Int, _ field: String) throws -> GGUFValue {
            guard let x = UInt32(exactly: v) else { throw GGUFError.invalidArgument("\(path): field \(field) = \(v) does not fit a uint32") }
            return .uint32(x)
        }
        var m: [(String, GGUFValue)] = [
            ("general.architecture", .string(a)),
            ("general.name", .string(name)),
        ]
        if let v = try f.int("vocab_size") { m.append(("\(a).vocab_size", try u32(v, "vocab_size"))) }
        m += [
            ("\(a).context_length", try u32(try f.int("max_position_embeddings") ?? 2048, "max_position_embeddings")),
            ("\(a).embedding_length", try u32(hidden, "hidden_size")),
            ("\(a).block_count", try u32(try f.requiredInt("num_hidden_layers"), "num_hidden_layers")),
            ("\(a).feed_forward_length", try u32(try f.requiredInt("intermediate_size"), "intermediate_size")),
            ("\(a).rope.dimension_count", try u32(headDim, "head_dim")),
            ("\(a).attention.head_count", try u32(heads, "num_attention_heads")),
            ("\(a).attention.head_count_kv", try u32(try f.int("num_key_value_heads") ?? heads, "num_key_value_heads")),
            ("\(a).rope.freq_base", .float32(Float(try f.double("rope_theta") ?? 10000))),
            ("\(a).attention.layer_norm_rms_epsilon", .float32(Float(try f.double("rms_norm_eps") ?? 1e-6))),
            ("\(a).attention.key_length", try u32(headDim, "head_dim")),
            ("\(a).attention.value_length", try u32(headDim, "head_dim")),
        ]
        if let s = try f.object("rope_scaling") {
            let rs = JSONFields(dict: s, path: path + " rope_scaling")
            guard let type = try rs.string("rope_type") ?? rs.string("type") else {
                throw GGUFError.invalidArgument("\(path): rope_scaling has no rope_type")
            }
            switch type {
            case "linear", "yarn":
                m.append(("\(a).rope.scaling.type", .string(type)))
                if let factor = try rs.double("factor") { m.append(("\(a).rope.scaling.factor", .float32(Float(factor)))) }
                if let n = try rs.int("original_max_position_embeddings") {
                    m.append(("\(a).rope.scaling.original_context_length", try u32(n, "rope_scaling.original_max_position_embeddings")))
                }
            case "default", "llama3": break  // llama3: no keys; GGUFConversion adds the rope_freqs tensor
            default:
                throw GGUFError.invalidArgument("\(path): rope_scaling type '\(type)' is not supported (linear, yarn, llama3)")
            }
        }
        m.append(("general.file_type", .uint32(UInt32(fileType))))
        if fileType == 7 { m.append(("general.quantization_version", .uint32(2))) }
        return (arch, m)
    }
}
