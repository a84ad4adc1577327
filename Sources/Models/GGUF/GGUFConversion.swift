import Foundation
import TensorCore

/// GGUF file ↔ Hugging Face folder for the Llama family, at the level of config dictionaries and named tensors.
///
/// GGUF → HF: tensors dequantized to Float32 (any type `GGUFFile` reads), renamed (`GGUFTensorNames`), ggml dims
/// reversed to HF's [out, in], Q/K rows unpermuted for `llama`, Gemma's `w + 1` norms shifted back; written as
/// `config.json`, `generation_config.json`, `model.safetensors`, `tokenizer.json`, `tokenizer_config.json`.
/// HF → GGUF: the reverse, with 2-D weights stored as F32, F16 or Q8_0 and 1-D tensors (norms, biases) always
/// F32, as `convert_hf_to_gguf.py` does; a 2-D weight whose rows are not whole Q8_0 blocks falls back to F16.
public enum GGUFConversion {
    /// What a conversion did that the user should know (skipped tensors, tokenizer not converted, …).
    public typealias Notes = [String]

    // MARK: GGUF -> Hugging Face

    /// The Hugging Face tensors of a GGUF file whose config is `config` (from `GGUFConfigMapping`).
    public static func huggingFaceTensors(of file: GGUFFile, notes: inout Notes) throws -> [String: Tensor] {
        let arch = try GGUFConfigMapping.architecture(of: file)
        let config = try GGUFConfigMapping.huggingFaceConfig(of: file)
        let heads = config["num_attention_heads"] as! Int, kvHeads = config["num_key_value_heads"] as! Int
        var out: [String: Tensor] = [:]
        for info in file.tensors {
            if GGUFTensorNames.generatedOnly.contains(info.name) {
                if info.name == "rope_freqs.weight", config["rope_scaling"] != nil {
                    notes.append("rope_freqs.weight read back as rope_scaling llama3 (factor \((config["rope_scaling"] as! [String: Any])["factor"]!), Llama 3.1 band edges)")
                } else {
                    notes.append("skipped \(info.name): it matches no rope_scaling this converter knows; config.json has none")
                }
                continue
            }
            guard let name = GGUFTensorNames.huggingFace(info.name) else {
                throw GGUFError.unsupported(path: file.path, "tensor '\(info.name)' has no Hugging Face name for architecture \(arch.rawValue)")
            }
            var t = try file.tensor(info)
            if arch.permutesQK {
                if info.name.hasSuffix("attn_q.weight") || info.name.hasSuffix("attn_q.bias") {
                    t = try QKPermutation.unpermute(t, heads: heads)
                } else if info.name.hasSuffix("attn_k.weight") || info.name.hasSuffix("attn_k.bias") {
                    t = try QKPermutation.unpermute(t, heads: kvHeads)
                }
            }
            if arch.storesNormPlusOne && isNorm(info.name) { t = shifted(t, by: -1) }
            out[name] = t
        }
        return out
    }

    /// Converts a GGUF file into a Hugging Face folder (written atomically) whose `model.safetensors` holds
    /// `dtype` tensors (F32, or F16/BF16 rounded to nearest even); returns the notes.
    @discardableResult
    public static func ggufToHuggingFace(_ gguf: URL, folder: URL, dtype: SafeTensorsDType = .f32) throws -> Notes {
        let file = try GGUFFile(contentsOf: gguf)
        var notes: Notes = []
        var config = try GGUFConfigMapping.huggingFaceConfig(of: file)
        config["torch_dtype"] = ["F32": "float32", "F16": "float16", "BF16": "bfloat16"][dtype.rawValue]
        let tensors = try huggingFaceTensors(of: file, notes: &notes)
        let tokenizer = try GGUFTokenizerMapping.huggingFaceFiles(of: file, notes: &notes)
        var generation: [String: Any] = ["_from_model_config": true]
        for key in ["bos_token_id", "eos_token_id", "pad_token_id"] { generation[key] = config[key] }
        try AtomicFolder.write(to: folder) { staging in
            try GGUFJSONText.data(config).write(to: staging.appendingPathComponent("config.json"))
            try GGUFJSONText.data(generation).write(to: staging.appendingPathComponent("generation_config.json"))
            try SafeTensors.write(tensors, dtype: dtype, to: staging.appendingPathComponent("model.safetensors"))
            if let tokenizer {
                try GGUFJSONText.data(tokenizer.tokenizer).write(to: staging.appendingPathComponent("tokenizer.json"))
                try GGUFJSONText.data(tokenizer.config).write(to: staging.appendingPathComponent("tokenizer_config.json"))
            }
        }
        return notes
    }

    // MARK: Hugging Face -> GGUF

    /// The GGUF tensors (llama.cpp names, Q/K permuted for `llama`, Gemma norms + 1) of Hugging Face tensors, in
    /// the order llama.cpp writes them: `token_embd`, the blocks in order, `output_norm`, `output`.
    /// `lm_head.weight` is dropped when the config ties embeddings.
    public static func ggufTensors(_ tensors: [String: Tensor], config: [String: Any], path: String) throws -> [(String, Tensor)] {
        let f = JSONFields(dict: config, path: path)
        guard let modelType = try f.string("model_type"), let arch = GGUFArchitecture(huggingFaceModelType: modelType) else {
            throw GGUFError.invalidArgument("\(path): model_type is missing or not supported")
        }
        let heads = try f.requiredInt("num_attention_heads")
        let kvHeads = try f.int("num_key_value_heads") ?? heads
        let tied = try f.bool("tie_word_embeddings") ?? (arch == .gemma)
        var out: [(key: (Int, Int), name: String, tensor: Tensor)] = []
        for (name, tensor) in tensors {
            if name == "lm_head.weight" && tied { continue }
            if name.hasSuffix("rotary_emb.inv_freq") { continue }
            guard let g = GGUFTensorNames.gguf(name) else {
                throw GGUFError.invalidArgument("\(path): tensor '\(name)' has no GGUF name for \(arch.rawValue)")
            }
            var t = tensor
            if arch.permutesQK {
                if name.hasSuffix("q_proj.weight") || name.hasSuffix("q_proj.bias") { t = try QKPermutation.permute(t, heads: heads) }
                if name.hasSuffix("k_proj.weight") || name.hasSuffix("k_proj.bias") { t = try QKPermutation.permute(t, heads: kvHeads) }
            }
            if arch.storesNormPlusOne && isNorm(g) { t = shifted(t, by: 1) }
            out.append((orderKey(g), g, t))
        }
        if arch == .llama, let scaling = try GGUFConfigMapping.llama3Scaling(config: config, path: path) {
            let hidden = try f.requiredInt("hidden_size")
            let headDim = try f.int("head_dim") ?? hidden / heads
            let values = scaling.factors(theta: try f.double("rope_theta") ?? 10000, headDim: headDim)
            out.append(((-2, 0), "rope_freqs.weight", Tensor(shape: [values.count], values)))
        }
        if !tied && tensors["lm_head.weight"] == nil {
            throw GGUFError.invalidArgument("\(path): tie_word_embeddings is false but there is no lm_head.weight")
        }
        return out.sorted { $0.key != $1.key ? $0.key < $1.key : $0.name < $1.name }.map { ($0.name, $0.tensor) }
    }

    /// Converts a Hugging Face folder (config.json, model.safetensors or a sharded index, tokenizer files) into
    /// a GGUF file of `type` (F32, F16 or Q8_0), written atomically; returns the notes.
    @discardableResult
    public static func huggingFaceToGGUF(_ folder: URL, gguf: URL, type: GGMLType, name: String? = nil) throws -> Notes {
        guard [.f32, .f16, .q8_0].contains(type) else {
            throw GGUFError.invalidArgument("output type \(type.name) is not one of F32, F16, Q8_0")
        }
        var notes: Notes = []
        let configURL = folder.appendingPathComponent("config.json")
        let config = try readJSON(configURL)
        let tensors = try readTensors(folder)
        let fileType = type == .f32 ? 0 : type == .f16 ? 1 : 7
        let (_, metadata) = try GGUFConfigMapping.ggufMetadata(config: config, name: name ?? folder.lastPathComponent,
                                                              fileType: fileType, path: configURL.path)
        var writer = try GGUFWriter()
        for (k, v) in metadata { try writer.set(k, v) }
        let tokURL = folder.appendingPathComponent("tokenizer.json")
        if FileManager.default.fileExists(atPath: tokURL.path) {
            let tcURL = folder.appendingPathComponent("tokenizer_config.json")
            let tc = FileManager.default.fileExists(atPath: tcURL.path) ? try readJSON(tcURL) : nil
            for (k, v) in try GGUFTokenizerMapping.ggufMetadata(tokenizer: try readJSON(tokURL), tokenizerConfig: tc,
                                                                 config: config, path: tokURL.path, notes: &notes) {
                try writer.set(k, v)
            }
        } else {
            notes.append("no tokenizer.json: no tokenizer metadata written")
        }
        for (n, t) in try ggufTensors(tensors, config: config, path: configURL.path) {
            try writer.add(n, t, as: storageType(for: t, requested: type, notes: &notes, name: n))
        }
        try writer.write(to: gguf)
        return notes
    }

    /// convert_hf_to_gguf's rule: 1-D tensors stay F32; Q8_0 needs rows of whole 32-element blocks (else F16).
    static func storageType(for t: Tensor, requested: GGMLType, notes: inout Notes, name: String) -> GGMLType {
        if t.rank <= 1 { return .f32 }
        if requested == .q8_0 && (t.shape.last ?? 0) % GGMLType.q8_0.blockSize != 0 {
            notes.append("\(name): rows of \(t.shape.last ?? 0) are not whole Q8_0 blocks; stored as F16")
            return .f16
        }
        return requested
    }

    static func readJSON(_ url: URL) throws -> [String: Any] {
        guard let data = try? Data(contentsOf: url) else { throw GGUFError.io(path: url.path, "cannot read") }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw GGUFError.invalidArgument("\(url.path): not a JSON object")
        }
        return object
    }

    /// `model.safetensors`, or every shard named by `model.safetensors.index.json`.
    static func readTensors(_ folder: URL) throws -> [String: Tensor] {
        let single = folder.appendingPathComponent("model.safetensors")
        if FileManager.default.fileExists(atPath: single.path) { return try SafeTensors.read(contentsOf: single).tensors }
        let indexURL = folder.appendingPathComponent("model.safetensors.index.json")
        guard FileManager.default.fileExists(atPath: indexURL.path) else {
            throw GGUFError.io(path: folder.path, "has neither model.safetensors nor model.safetensors.index.json")
        }
        guard let map = try readJSON(indexURL)["weight_map"] as? [String: String] else {
            throw GGUFError.invalidArgument("\(indexURL.path): weight_map is missing")
        }
        var out: [String: Tensor] = [:]
        for shard in Set(map.values).sorted() {
            for (k, v) in try SafeTensors.read(contentsOf: folder.appendingPathComponent(shard)).tensors { out[k] = v }
        }
        return out
    }

    static func isNorm(_ ggufName: String) -> Bool { ggufName.hasSuffix("norm.weight") }

    static func shifted(_ t: Tensor, by delta: Float) -> Tensor {
        var out = t.copy()
        out.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] += delta } }
        return out
    }

    /// Sort key: (rope_freqs, added as -2,) token_embd first, then blocks in order (parts in table order), then output_norm, output.
    static func orderKey(_ name: String) -> (Int, Int) {
        if name.hasPrefix("token_embd") { return (-1, 0) }
        if name.hasPrefix("output_norm") { return (Int.max, 0) }
        if name.hasPrefix("output") { return (Int.max, 1) }
        let block = GGUFTensorNames.blockIndex(name) ?? Int.max - 1
        let part = GGUFTensorNames.block.firstIndex { name.hasPrefix("blk.\(block).\($0.gguf).") } ?? 99
        return (block, part)
    }
}
