import Foundation
import Models
import TensorCore
import TestSupport
import Tokenizer
import XCTest

/// GGUF ↔ Hugging Face conversion against the gguf-py fixture `tiny_llama.gguf` (written as convert_hf_to_gguf
/// writes a llama: permuted Q/K, llama.* keys, a byte-level BPE vocabulary) and its original HF tensors/config.
final class GGUFConversionTests: XCTestCase {
    var dir: URL!
    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-gguf-conv-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    /// JSON values equal as Python compares them (500000 == 500000.0).
    static func sameJSON(_ a: Any?, _ b: Any) -> Bool {
        if let x = a as? [String: Any], let y = b as? [String: Any] {
            return x.count == y.count && y.allSatisfy { sameJSON(x[$0.key], $0.value) }
        }
        if let x = a as? [Any], let y = b as? [Any] { return x.count == y.count && zip(x, y).allSatisfy { sameJSON($0, $1) } }
        if let x = a as? String, let y = b as? String { return x == y }
        if let x = a as? Bool, let y = b as? Bool, (a is Bool) == (b is Bool) { return x == y }
        if let x = a as? NSNumber, let y = b as? NSNumber { return x.doubleValue == y.doubleValue }
        return false
    }

    func assertBitEqual(_ a: Tensor, _ b: Tensor, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, name, file: file, line: line)
        XCTAssertEqual(a.scalars.map(\.bitPattern), b.scalars.map(\.bitPattern), name, file: file, line: line)
    }

    func testGGUFToHuggingFaceFolderMatchesTheOriginalModel() throws {
        let out = dir.appendingPathComponent("hf")
        let notes = try GGUFConversion.ggufToHuggingFace(Fixtures.url("gguf/tiny_llama.gguf"), folder: out)
        XCTAssertEqual(notes, [])
        // config.json: every key the original config has, with its value.
        let expected = try json(Fixtures.url("gguf/tiny_llama_config.json"))
        let config = try json(out.appendingPathComponent("config.json"))
        for (key, value) in expected {
            XCTAssertTrue(Self.sameJSON(config[key], value), "\(key): \(config[key] ?? "missing") vs \(value)")
        }
        XCTAssertEqual(config["torch_dtype"] as? String, "float32")
        // Tensors: the unpermuted HF originals, bit for bit, and nothing else.
        let original = try SafeTensors.read(contentsOf: Fixtures.url("gguf/tiny_llama_hf.safetensors")).tensors
        let converted = try SafeTensors.read(contentsOf: out.appendingPathComponent("model.safetensors")).tensors
        XCTAssertEqual(Set(converted.keys), Set(original.keys))
        XCTAssertEqual(converted.count, 21)
        for (name, t) in original { assertBitEqual(try XCTUnwrap(converted[name], name), t, name) }
        // The GGUF really holds permuted Q/K: its attn_q differs from the HF q_proj.
        let raw = try GGUFFile(contentsOf: Fixtures.url("gguf/tiny_llama.gguf"))
        XCTAssertNotEqual(try raw.tensor("blk.0.attn_q.weight").scalars, original["model.layers.0.self_attn.q_proj.weight"]!.scalars)
        let generation = try json(out.appendingPathComponent("generation_config.json"))
        XCTAssertEqual(generation["eos_token_id"] as? Int, expected["eos_token_id"] as? Int)
    }

    func testConvertedTokenizerEncodesAsHuggingFace() throws {
        let out = dir.appendingPathComponent("hf")
        try GGUFConversion.ggufToHuggingFace(Fixtures.url("gguf/tiny_llama.gguf"), folder: out)
        let tokenizer = try BPETokenizer(tokenizerJSON: out.appendingPathComponent("tokenizer.json").path)
        let encodings = try json(Fixtures.url("gguf/tiny_llama_encodings.json"))
        XCTAssertEqual(encodings.count, 4)
        for (text, ids) in encodings {
            XCTAssertEqual(tokenizer.encode(text), ids as? [Int], text)
        }
        // Same vocabulary and merges as the HF tokenizer the GGUF came from.
        let original = try json(Fixtures.url("gguf/tiny_llama_tokenizer.json"))["model"] as! [String: Any]
        let ours = try json(out.appendingPathComponent("tokenizer.json"))["model"] as! [String: Any]
        XCTAssertEqual(ours["vocab"] as? [String: Int], original["vocab"] as? [String: Int])
        XCTAssertEqual((ours["merges"] as? [String])?.count, (original["merges"] as? [Any])?.count)
        let tc = try json(out.appendingPathComponent("tokenizer_config.json"))
        XCTAssertEqual(tc["eos_token"] as? String, "<|end|>")
        XCTAssertEqual(tc["bos_token"] as? String, "<|endoftext|>")
        XCTAssertTrue((tc["chat_template"] as? String)?.hasPrefix("{% for message in messages %}") ?? false)
        XCTAssertEqual(tc["model_max_length"] as? Int, 128)
        let added = try json(out.appendingPathComponent("tokenizer.json"))["added_tokens"] as! [[String: Any]]
        XCTAssertEqual(added.map { $0["content"] as! String }, ["<|endoftext|>", "<|end|>"])
    }

    /// A SentencePiece vocabulary (gguf-py `tiny_spm.gguf`) becomes the byte-fallback BPE tokenizer.json that
    /// transformers makes of the same vocabulary: same vocabulary, same merges in the same order, same pipeline.
    func testSentencePieceVocabularyBecomesTransformersBPE() throws {
        let file = try GGUFFile(contentsOf: Fixtures.url("gguf/tiny_spm.gguf"))
        var notes: [String] = []
        let files = try XCTUnwrap(try GGUFTokenizerMapping.huggingFaceFiles(of: file, notes: &notes))
        XCTAssertEqual(notes, [])
        let ours = try JSONSerialization.jsonObject(with: JSONSerialization.data(withJSONObject: files.tokenizer)) as! [String: Any]
        let reference = try json(Fixtures.url("gguf/tiny_spm_tokenizer.json"))
        let (om, rm) = (ours["model"] as! [String: Any], reference["model"] as! [String: Any])
        XCTAssertEqual(om["vocab"] as? [String: Int], rm["vocab"] as? [String: Int])
        XCTAssertEqual((om["vocab"] as? [String: Int])?.count, 400)
        let merges = { (m: [String: Any]) in (m["merges"] as! [[String]]).map { $0.joined(separator: " ") } }
        XCTAssertEqual(merges(om), merges(rm))
        XCTAssertEqual(merges(rm).count, 100)
        for key in ["byte_fallback", "fuse_unk", "ignore_merges"] { XCTAssertEqual(om[key] as? Bool, rm[key] as? Bool, key) }
        for key in ["pre_tokenizer", "decoder", "normalizer"] {
            XCTAssertTrue(Self.sameJSON(ours[key], reference[key]!) || (ours[key] is NSNull && reference[key] is NSNull), key)
        }
        XCTAssertTrue(Self.sameJSON(ours["added_tokens"], reference["added_tokens"]!))
        XCTAssertEqual(files.config["bos_token"] as? String, "<s>")
        XCTAssertEqual(files.config["add_bos_token"] as? Bool, true)
        // BOS is added by the post-processor, as tokenizer.ggml.add_bos_token says.
        let single = (ours["post_processor"] as! [String: Any])["single"] as! [[String: Any]]
        XCTAssertEqual((single.first?["SpecialToken"] as? [String: Any])?["id"] as? String, "<s>")
        // The committed copy, whose encodings check_tinyalign_gguf.py compares with transformers' in HF tokenizers.
        let text = try GGUFJSONText.data(files.tokenizer)
        if ProcessInfo.processInfo.environment["TINYALIGN_WRITE_GGUF_FIXTURES"] == "1" {
            try text.write(to: GGUFWriterTests.sourceFixture("tinyalign_spm_tokenizer.json"))
        }
        XCTAssertEqual(text, try Data(contentsOf: Fixtures.url("gguf/tinyalign_spm_tokenizer.json")))
    }

    /// tokenizer.json (byte-fallback BPE) → SentencePiece GGUF metadata → tokenizer.json again: the same tokens
    /// and token types as gguf-py's file and the same tokenizer.json.
    func testSentencePieceTokenizerRoundTrips() throws {
        let original = try GGUFFile(contentsOf: Fixtures.url("gguf/tiny_spm.gguf"))
        var notes: [String] = []
        let files = try XCTUnwrap(try GGUFTokenizerMapping.huggingFaceFiles(of: original, notes: &notes))
        let meta = try GGUFTokenizerMapping.ggufMetadata(tokenizer: files.tokenizer, tokenizerConfig: files.config,
                                                         config: [:], path: "tokenizer.json", notes: &notes)
        XCTAssertEqual(notes, [])
        let byKey = Dictionary(meta, uniquingKeysWith: { a, _ in a })
        for key in ["tokenizer.ggml.model", "tokenizer.ggml.tokens", "tokenizer.ggml.token_type", "tokenizer.ggml.bos_token_id",
                    "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.add_bos_token",
                    "tokenizer.ggml.add_eos_token"] {
            XCTAssertNotNil(byKey[key], key)
            XCTAssertEqual(byKey[key], original.metadata[key], key)
        }
        XCTAssertEqual(byKey["tokenizer.ggml.add_space_prefix"], .bool(true))
        XCTAssertEqual(byKey["tokenizer.ggml.scores"]?.array?[300], .float32(-300))
        var w = try GGUFWriter()
        try w.set("general.architecture", .string("llama"))
        try w.set("llama.context_length", .uint32(256))
        for (k, v) in meta { try w.set(k, v) }
        let url = dir.appendingPathComponent("spm.gguf")
        try w.write(to: url)
        let again = try XCTUnwrap(try GGUFTokenizerMapping.huggingFaceFiles(of: GGUFFile(contentsOf: url), notes: &notes))
        XCTAssertEqual(try GGUFJSONText.data(again.tokenizer), try GGUFJSONText.data(files.tokenizer))
        XCTAssertEqual(try GGUFJSONText.data(again.config), try GGUFJSONText.data(files.config))
    }

    /// HF folder → GGUF F32 reproduces gguf-py's file tensor for tensor (same names, dims, permuted bytes) and the
    /// config keys; and → HF again gives back the original tensors.
    func testHuggingFaceToGGUFReproducesTheGGUFPyFile() throws {
        let hf = dir.appendingPathComponent("hf")
        try GGUFConversion.ggufToHuggingFace(Fixtures.url("gguf/tiny_llama.gguf"), folder: hf)
        let ggufURL = dir.appendingPathComponent("back.gguf")
        let notes = try GGUFConversion.huggingFaceToGGUF(hf, gguf: ggufURL, type: .f32, name: "tiny-llama")
        XCTAssertEqual(notes, [])
        let ours = try GGUFFile(contentsOf: ggufURL)
        let theirs = try GGUFFile(contentsOf: Fixtures.url("gguf/tiny_llama.gguf"))
        XCTAssertEqual(Set(ours.tensors.map(\.name)), Set(theirs.tensors.map(\.name)))
        XCTAssertEqual(ours.tensors.first?.name, "token_embd.weight")
        for info in theirs.tensors {
            let mine = try XCTUnwrap(ours.info(info.name), info.name)
            XCTAssertEqual(mine.dims, info.dims, info.name)
            XCTAssertEqual(mine.type, info.type, info.name)
            XCTAssertEqual(ours.rawData(of: mine), theirs.rawData(of: info), info.name)
        }
        for key in ["general.architecture", "llama.block_count", "llama.embedding_length", "llama.feed_forward_length",
                    "llama.attention.head_count", "llama.attention.head_count_kv", "llama.rope.freq_base",
                    "llama.attention.layer_norm_rms_epsilon", "llama.context_length", "llama.attention.key_length",
                    "llama.rope.dimension_count", "llama.vocab_size", "llama.rope.scaling.type", "llama.rope.scaling.factor",
                    "tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.tokens", "tokenizer.ggml.token_type",
                    "tokenizer.ggml.merges", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
                    "tokenizer.ggml.add_bos_token", "tokenizer.chat_template", "general.name"] {
            XCTAssertEqual(ours.metadata[key], theirs.metadata[key], key)
        }
    }

    func testQ8_0AndF16OutputsKeepNormsF32AndStayClose() throws {
        let hf = dir.appendingPathComponent("hf")
        try GGUFConversion.ggufToHuggingFace(Fixtures.url("gguf/tiny_llama.gguf"), folder: hf)
        let original = try SafeTensors.read(contentsOf: Fixtures.url("gguf/tiny_llama_hf.safetensors")).tensors
        for (type, tolerance) in [(GGMLType.q8_0, Float(0.5 / 127 * 0.5)), (.f16, 1e-3)] {
            let url = dir.appendingPathComponent("m-\(type.name).gguf")
            let notes = try GGUFConversion.huggingFaceToGGUF(hf, gguf: url, type: type)
            let f = try GGUFFile(contentsOf: url)
            XCTAssertEqual(f.info("blk.0.attn_norm.weight")?.type, .f32)
            XCTAssertEqual(f.info("blk.0.ffn_up.weight")?.type, type)
            // ffn_down's rows hold 48 (intermediate) values: not whole Q8_0 blocks, so F16 as convert_hf_to_gguf does.
            XCTAssertEqual(f.info("blk.1.ffn_down.weight")?.type, .f16)
            XCTAssertEqual(notes, type == .q8_0 ? ["blk.0.ffn_down.weight: rows of 48 are not whole Q8_0 blocks; stored as F16",
                                                   "blk.1.ffn_down.weight: rows of 48 are not whole Q8_0 blocks; stored as F16"] : [])
            XCTAssertEqual(f.metadata["general.file_type"], .uint32(type == .q8_0 ? 7 : 1))
            let back = dir.appendingPathComponent("hf-\(type.name)")
            try GGUFConversion.ggufToHuggingFace(url, folder: back)
            let tensors = try SafeTensors.read(contentsOf: back.appendingPathComponent("model.safetensors")).tensors
            for (name, t) in original {
                // Weights are |x| < 0.5: Q8_0 errs by at most half a step of max|x|/127.
                assertClose(tensors[name]!.scalars, t.scalars, rtol: 0, atol: tolerance, "\(type.name) \(name)")
            }
            XCTAssertNotEqual(tensors["model.layers.0.mlp.up_proj.weight"]!.scalars, original["model.layers.0.mlp.up_proj.weight"]!.scalars)
        }
    }

    /// The permutation on a case small enough to write out: one head of 4 rows, HF rows [a, b, c, d] (halves
    /// [a, b] and [c, d] rotate together) become llama.cpp's adjacent pairs [a, c, b, d].
    func testQKPermutationByHand() throws {
        let t = Tensor(shape: [4, 2], [0, 1, 10, 11, 20, 21, 30, 31])
        XCTAssertEqual(try QKPermutation.permute(t, heads: 1).scalars, [0, 1, 20, 21, 10, 11, 30, 31])
        let two = Tensor(shape: [8], (0..<8).map(Float.init))
        XCTAssertEqual(try QKPermutation.permute(two, heads: 2).scalars, [0, 2, 1, 3, 4, 6, 5, 7])
        let big = Tensor(shape: [24, 3], (0..<72).map { Float($0) })
        XCTAssertEqual(try QKPermutation.unpermute(QKPermutation.permute(big, heads: 3), heads: 3).scalars, big.scalars)
        XCTAssertThrowsError(try QKPermutation.permute(Tensor(shape: [6, 1], repeating: 0), heads: 2)) { e in
            XCTAssertEqual("\(e)", "gguf: cannot permute Q/K of shape [6, 1] over 2 heads (rows must be a multiple of 2 · heads)")
        }
    }

    /// Random HF tensors of a tiny model of each architecture.
    func tinyModel(_ modelType: String, bias: Bool = false, qkNorm: Bool = false, tied: Bool) -> ([String: Any], [String: Tensor]) {
        var rng = SeededGenerator(seed: 7)
        func r(_ shape: [Int]) -> Tensor {
            Tensor(shape: shape, (0..<shape.reduce(1, *)).map { _ in Float.random(in: -0.5...0.5, using: &rng) })
        }
        let (d, ff, heads, kv, hd, vocab) = (32, 64, 4, 2, 8, 40)
        let config: [String: Any] = ["model_type": modelType, "hidden_size": d, "intermediate_size": ff, "num_hidden_layers": 2,
                                     "num_attention_heads": heads, "num_key_value_heads": kv, "head_dim": hd, "vocab_size": vocab,
                                     "rope_theta": 1000000.0, "rms_norm_eps": 1e-6, "max_position_embeddings": 64,
                                     "tie_word_embeddings": tied, "bos_token_id": 1, "eos_token_id": 2]
        var t: [String: Tensor] = ["model.embed_tokens.weight": r([vocab, d]), "model.norm.weight": r([d])]
        if !tied { t["lm_head.weight"] = r([vocab, d]) }
        for i in 0..<2 {
            let p = "model.layers.\(i)."
            t[p + "input_layernorm.weight"] = r([d]); t[p + "post_attention_layernorm.weight"] = r([d])
            t[p + "self_attn.q_proj.weight"] = r([heads * hd, d]); t[p + "self_attn.k_proj.weight"] = r([kv * hd, d])
            t[p + "self_attn.v_proj.weight"] = r([kv * hd, d]); t[p + "self_attn.o_proj.weight"] = r([d, heads * hd])
            t[p + "mlp.gate_proj.weight"] = r([ff, d]); t[p + "mlp.up_proj.weight"] = r([ff, d]); t[p + "mlp.down_proj.weight"] = r([d, ff])
            if bias {
                t[p + "self_attn.q_proj.bias"] = r([heads * hd]); t[p + "self_attn.k_proj.bias"] = r([kv * hd]); t[p + "self_attn.v_proj.bias"] = r([kv * hd])
            }
            if qkNorm { t[p + "self_attn.q_norm.weight"] = r([hd]); t[p + "self_attn.k_norm.weight"] = r([hd]) }
        }
        return (config, t)
    }

    func roundTrip(_ config: [String: Any], _ tensors: [String: Tensor], name: String) throws -> (GGUFFile, [String: Any], [String: Tensor]) {
        let hf = dir.appendingPathComponent("\(name)-in")
        try FileManager.default.createDirectory(at: hf, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: config).write(to: hf.appendingPathComponent("config.json"))
        try SafeTensors.write(tensors, to: hf.appendingPathComponent("model.safetensors"))
        let url = dir.appendingPathComponent("\(name).gguf")
        XCTAssertEqual(try GGUFConversion.huggingFaceToGGUF(hf, gguf: url, type: .f32), ["no tokenizer.json: no tokenizer metadata written"])
        let back = dir.appendingPathComponent("\(name)-out")
        XCTAssertEqual(try GGUFConversion.ggufToHuggingFace(url, folder: back), ["no tokenizer.ggml.model: no tokenizer files written"])
        return (try GGUFFile(contentsOf: url), try json(back.appendingPathComponent("config.json")),
                try SafeTensors.read(contentsOf: back.appendingPathComponent("model.safetensors")).tensors)
    }

    func testQwen2KeepsBiasesAndIsNotPermuted() throws {
        let (config, tensors) = tinyModel("qwen2", bias: true, tied: true)
        let (gguf, outConfig, out) = try roundTrip(config, tensors, name: "qwen2")
        XCTAssertEqual(gguf.metadata["general.architecture"]?.string, "qwen2")
        XCTAssertNil(gguf.info("output.weight"))
        XCTAssertEqual(try gguf.tensor("blk.1.attn_q.weight").scalars, tensors["model.layers.1.self_attn.q_proj.weight"]!.scalars)
        XCTAssertEqual(try gguf.tensor("blk.0.attn_k.bias").scalars, tensors["model.layers.0.self_attn.k_proj.bias"]!.scalars)
        XCTAssertEqual(Set(out.keys), Set(tensors.keys))
        for (n, t) in tensors { assertBitEqual(out[n]!, t, n) }
        XCTAssertEqual(outConfig["model_type"] as? String, "qwen2")
        XCTAssertEqual(outConfig["architectures"] as? [String], ["Qwen2ForCausalLM"])
        XCTAssertEqual(outConfig["tie_word_embeddings"] as? Bool, true)
        XCTAssertEqual(outConfig["rope_theta"] as? Double, 1000000)
        XCTAssertEqual(outConfig["rms_norm_eps"] as? Double, 1e-6)
    }

    func testQwen3QKNorms() throws {
        let (config, tensors) = tinyModel("qwen3", qkNorm: true, tied: false)
        let (gguf, outConfig, out) = try roundTrip(config, tensors, name: "qwen3")
        XCTAssertEqual(gguf.info("blk.0.attn_q_norm.weight")?.dims, [8])
        XCTAssertEqual(gguf.info("output.weight")?.dims, [32, 40])
        for (n, t) in tensors { assertBitEqual(out[n]!, t, n) }
        XCTAssertEqual(outConfig["architectures"] as? [String], ["Qwen3ForCausalLM"])
        XCTAssertEqual(outConfig["head_dim"] as? Int, 8)
        XCTAssertEqual(outConfig["num_key_value_heads"] as? Int, 2)
    }

    func testGemmaNormsArePlusOneInGGUFAndEmbeddingsTied() throws {
        let (config, tensors) = tinyModel("gemma", tied: true)
        let (gguf, outConfig, out) = try roundTrip(config, tensors, name: "gemma")
        let hfNorm = tensors["model.layers.0.input_layernorm.weight"]!.scalars
        XCTAssertEqual(try gguf.tensor("blk.0.attn_norm.weight").scalars, hfNorm.map { $0 + 1 })
        XCTAssertEqual(try gguf.tensor("blk.0.attn_q.weight").scalars, tensors["model.layers.0.self_attn.q_proj.weight"]!.scalars)
        XCTAssertNil(gguf.info("output.weight"))
        for (n, t) in tensors {
            // (w + 1) - 1 in float32 is w up to one rounding at the scale of 1.
            assertClose(out[n]!.scalars, t.scalars, rtol: 0, atol: n.hasSuffix("norm.weight") ? 1.2e-7 : 0, n)
        }
        XCTAssertEqual(outConfig["hidden_act"] as? String, "gelu_pytorch_tanh")
        XCTAssertEqual(outConfig["model_type"] as? String, "gemma")
    }

    func testMistralIsConvertedAsPermutedLlama() throws {
        let (config, tensors) = tinyModel("mistral", tied: false)
        let (gguf, outConfig, out) = try roundTrip(config, tensors, name: "mistral")
        XCTAssertEqual(gguf.metadata["general.architecture"]?.string, "llama")
        let q = tensors["model.layers.0.self_attn.q_proj.weight"]!
        XCTAssertEqual(try gguf.tensor("blk.0.attn_q.weight").scalars, try QKPermutation.permute(q, heads: 4).scalars)
        let k = tensors["model.layers.0.self_attn.k_proj.weight"]!
        XCTAssertEqual(try gguf.tensor("blk.0.attn_k.weight").scalars, try QKPermutation.permute(k, heads: 2).scalars)
        for (n, t) in tensors { assertBitEqual(out[n]!, t, n) }
        XCTAssertEqual(outConfig["model_type"] as? String, "llama")
    }

    /// Llama 3.1/3.2's rope_scaling becomes llama.cpp's rope_freqs tensor and comes back from it. Reference values
    /// from NumPy (float32 inverse frequencies, the divisor formula of convert_hf_to_gguf.py) for head_dim 64,
    /// theta 500000, factor 32.
    func testLlama3RopeScalingRoundTripsThroughRopeFreqs() throws {
        var (config, tensors) = tinyModel("llama", tied: false)
        config["rope_theta"] = 500000.0
        config["rope_scaling"] = ["rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                  "original_max_position_embeddings": 8192]
        let hf = dir.appendingPathComponent("l3")
        try FileManager.default.createDirectory(at: hf, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: config).write(to: hf.appendingPathComponent("config.json"))
        try SafeTensors.write(tensors, to: hf.appendingPathComponent("model.safetensors"))
        let url = dir.appendingPathComponent("l3.gguf")
        try GGUFConversion.huggingFaceToGGUF(hf, gguf: url, type: .f32)
        let f = try GGUFFile(contentsOf: url)
        XCTAssertEqual(f.tensors.first?.name, "rope_freqs.weight")
        XCTAssertEqual(try f.tensor("rope_freqs.weight").scalars, Llama3RopeScaling(factor: 32).factors(theta: 500000, headDim: 8))
        let numpy: [Float] = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.6513291597366333, 3.292262554168701,
                              9.666729927062988] + [Float](repeating: 32, count: 14)
        assertClose(Llama3RopeScaling(factor: 32).factors(theta: 500000, headDim: 64), numpy, rtol: 1e-6, atol: 0)
        let back = dir.appendingPathComponent("l3-out")
        let notes = try GGUFConversion.ggufToHuggingFace(url, folder: back)
        XCTAssertEqual(notes.first, "rope_freqs.weight read back as rope_scaling llama3 (factor 32.0, Llama 3.1 band edges)")
        let out = try json(back.appendingPathComponent("config.json"))
        XCTAssertTrue(Self.sameJSON(out["rope_scaling"], config["rope_scaling"]!), "\(out["rope_scaling"] ?? "none")")
        let outTensors = try SafeTensors.read(contentsOf: back.appendingPathComponent("model.safetensors")).tensors
        XCTAssertEqual(Set(outTensors.keys), Set(tensors.keys))
        XCTAssertNil(Llama3RopeScaling.recover(from: [1, 2, 3, 4], theta: 500000, headDim: 8))
    }

    func testTensorNameTableBothWays() {
        XCTAssertEqual(GGUFTensorNames.huggingFace("token_embd.weight"), "model.embed_tokens.weight")
        XCTAssertEqual(GGUFTensorNames.huggingFace("output.weight"), "lm_head.weight")
        XCTAssertEqual(GGUFTensorNames.huggingFace("output_norm.weight"), "model.norm.weight")
        XCTAssertEqual(GGUFTensorNames.huggingFace("blk.17.attn_output.weight"), "model.layers.17.self_attn.o_proj.weight")
        XCTAssertEqual(GGUFTensorNames.huggingFace("blk.3.attn_v.bias"), "model.layers.3.self_attn.v_proj.bias")
        XCTAssertEqual(GGUFTensorNames.huggingFace("blk.0.ffn_norm.weight"), "model.layers.0.post_attention_layernorm.weight")
        XCTAssertEqual(GGUFTensorNames.gguf("model.layers.2.mlp.down_proj.weight"), "blk.2.ffn_down.weight")
        XCTAssertEqual(GGUFTensorNames.gguf("model.layers.5.self_attn.k_norm.weight"), "blk.5.attn_k_norm.weight")
        for n in 0..<3 {
            for (g, _) in GGUFTensorNames.block {
                let name = "blk.\(n).\(g).weight"
                XCTAssertEqual(GGUFTensorNames.huggingFace(name).flatMap(GGUFTensorNames.gguf), name)
            }
        }
        for bad in ["blk.0.ffn_gate_exps.weight", "blk.x.attn_q.weight", "token_embd", "rope_freqs.weight", "blk.-1.attn_q.weight"] {
            XCTAssertNil(GGUFTensorNames.huggingFace(bad), bad)
        }
        XCTAssertNil(GGUFTensorNames.gguf("model.layers.0.block_sparse_moe.gate.weight"))
    }

    func testBadInputsAreNamed() throws {
        let (config, tensors) = tinyModel("llama", tied: false)
        var c = config
        c["model_type"] = "gpt2"
        XCTAssertThrowsError(try GGUFConversion.ggufTensors(tensors, config: c, path: "m/config.json")) { e in
            XCTAssertEqual("\(e)", "gguf: m/config.json: model_type is missing or not supported")
        }
        var t = tensors
        t["model.layers.0.mlp.mystery.weight"] = Tensor(shape: [1], [0])
        XCTAssertThrowsError(try GGUFConversion.ggufTensors(t, config: config, path: "m/config.json")) { e in
            XCTAssertEqual("\(e)", "gguf: m/config.json: tensor 'model.layers.0.mlp.mystery.weight' has no GGUF name for llama")
        }
        var noHead = tensors
        noHead["lm_head.weight"] = nil
        XCTAssertThrowsError(try GGUFConversion.ggufTensors(noHead, config: config, path: "c.json")) { e in
            XCTAssertEqual("\(e)", "gguf: c.json: tie_word_embeddings is false but there is no lm_head.weight")
        }
        var moe = try GGUFWriter()
        for (k, v) in [("general.architecture", GGUFValue.string("llama")), ("llama.embedding_length", .uint32(32)),
                       ("llama.attention.head_count", .uint32(4)), ("llama.feed_forward_length", .uint32(64)),
                       ("llama.block_count", .uint32(1))] { try moe.set(k, v) }
        try moe.add("blk.0.ffn_gate_exps.weight", Tensor(shape: [2, 32], repeating: 0), as: .f32)
        let moeURL = dir.appendingPathComponent("moe.gguf")
        try moe.write(to: moeURL)
        XCTAssertThrowsError(try GGUFConversion.ggufToHuggingFace(moeURL, folder: dir.appendingPathComponent("m"))) { e in
            XCTAssertEqual("\(e)", "\(moeURL.path): unsupported GGUF: tensor 'blk.0.ffn_gate_exps.weight' has no Hugging Face name for architecture llama")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("m").path))
        var missing = try GGUFWriter()
        try missing.set("general.architecture", .string("qwen2"))
        try missing.set("qwen2.embedding_length", .uint32(32))
        let missingURL = dir.appendingPathComponent("missing.gguf")
        try missing.write(to: missingURL)
        XCTAssertThrowsError(try GGUFConversion.ggufToHuggingFace(missingURL, folder: dir.appendingPathComponent("q"))) { e in
            XCTAssertEqual("\(e)", "\(missingURL.path): malformed GGUF: missing metadata qwen2.attention.head_count")
        }
        var w = try GGUFWriter()
        try w.set("general.architecture", .string("mamba"))
        let url = dir.appendingPathComponent("mamba.gguf")
        try w.write(to: url)
        XCTAssertThrowsError(try GGUFConversion.ggufToHuggingFace(url, folder: dir.appendingPathComponent("x"))) { e in
            XCTAssertEqual("\(e)", "\(url.path): unsupported GGUF: architecture 'mamba' (supported: llama, qwen2, qwen3, gemma)")
        }
    }
}
