import Foundation
import Models
import TensorCore
import TestSupport
import Tokenizer
import XCTest

/// The hostile-input campaign through the command line: each case writes one hostile file (huge shapes, absurd
/// configs, deep nesting, giant lines, duplicate keys, NUL and invalid UTF-8, BOM, CRLF, truncation) for one of
/// safetensors, GGUF, tokenizer.json, tokenizer_config.json and its chat template, config.json of both families,
/// the JSONL files (flat and conversational), PEFT adapter folders and the GlobalOpinionQA CSV, runs the `tinyalign` command that reads it, and checks: a correct
/// result, or a one-line error with a non-zero exit and no half-written output; never a signal; peak RSS under
/// 1 GB. `make test` runs the cases marked fast on the debug binary; `make hostile` runs them all on the release
/// binary (`TINYALIGN_HOSTILE=full`, `TINYALIGN_BIN`) and writes a table to `TINYALIGN_HOSTILE_REPORT`.
final class HostileInputTests: XCTestCase {
    enum Expect { case ok, fails(String?), either }

    struct Case {
        let name: String
        let fast: Bool
        let expect: Expect
        /// Writes the hostile file(s) into the scratch folder and returns the command's arguments.
        let make: (Campaign, URL) throws -> [String]
    }

    /// Base folders the cases start from, built once.
    final class Campaign {
        let world: TinyWorld
        let llama: URL
        let chat: URL
        let corpus: URL
        let gguf: URL
        let csv: URL
        /// The GPT-2 base with a chat template (conversational JSONL needs one).
        let chatModel: URL
        init() throws {
            world = try TinyWorld()
            let vocab = try JSONSerialization.jsonObject(with: Data(contentsOf: world.base.appendingPathComponent("config.json"))) as! [String: Any]
            let v = vocab["vocab_size"] as! Int
            llama = world.root.appendingPathComponent("llama")
            let model = try Llama(LlamaConfig(vocabSize: v, hiddenSize: 16, intermediateSize: 24, numLayers: 2, numHeads: 2,
                                              maxPositions: 64, bosTokenId: 0, eosTokenId: 0), seed: 2)
            try Checkpoint.save(model, to: llama, extraFiles: ["tokenizer.json": Data(contentsOf: world.base.appendingPathComponent("tokenizer.json"))])
            chat = world.root.appendingPathComponent("chat")
            try FileManager.default.createDirectory(at: chat, withIntermediateDirectories: true)
            try Data(#"{"bos_token": "<s>", "eos_token": "</s>", "chat_template": "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{{ eos_token }}{% endfor %}"}"#.utf8)
                .write(to: chat.appendingPathComponent("tokenizer_config.json"))
            try Data(#"[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]"#.utf8)
                .write(to: chat.appendingPathComponent("messages.json"))
            corpus = world.root.appendingPathComponent("corpus.txt")
            try Data(String(repeating: "Is item 3 good? A yes B no\n", count: 50).utf8).write(to: corpus)
            let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            gguf = repo.appendingPathComponent("ModelsTests/Fixtures/gguf/tiny_llama.gguf")
            csv = repo.appendingPathComponent("DatasetsTests/Fixtures/global_opinions_sample.csv")
            chatModel = world.root.appendingPathComponent("chat-model")
            try FileManager.default.copyItem(at: world.base, to: chatModel)
            try Data(#"{"eos_token": "<|endoftext|>", "chat_template": "{% for m in messages %}<{{ m.role }}>{{ m.content }}<|endoftext|>{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}"}"#.utf8)
                .write(to: chatModel.appendingPathComponent("tokenizer_config.json"))
        }

        /// A copy of `folder` in `scratch` with `file` replaced by `data` (or removed when nil).
        func copy(_ folder: URL, into scratch: URL, replacing file: String, with data: Data?) throws -> URL {
            let to = scratch.appendingPathComponent("model")
            try FileManager.default.copyItem(at: folder, to: to)
            let target = to.appendingPathComponent(file)
            try? FileManager.default.removeItem(at: target)
            try data?.write(to: target)
            return to
        }

        func write(_ data: Data, _ name: String, in scratch: URL) throws -> String {
            let url = scratch.appendingPathComponent(name)
            try data.write(to: url)
            return url.path
        }
    }

    // MARK: the cases

    static func generate(_ dir: URL) -> [String] { ["generate", "--model", dir.path, "--prompt", "Is", "--max-new-tokens", "2", "--temperature", "0"] }

    static func weights(_ name: String, fast: Bool = false, expect: Expect = .fails(nil), _ bytes: @escaping (Campaign) throws -> Data) -> Case {
        Case(name: "safetensors: " + name, fast: fast, expect: expect) { c, s in
            generate(try c.copy(c.world.base, into: s, replacing: "model.safetensors", with: try bytes(c)))
        }
    }

    static func gguf(_ name: String, fast: Bool = false, expect: Expect = .fails(nil), _ bytes: @escaping (Campaign) throws -> Data) -> Case {
        Case(name: "gguf: " + name, fast: fast, expect: expect) { c, s in
            ["convert", "--gguf", try c.write(try bytes(c), "model.gguf", in: s), "--out", s.appendingPathComponent("out").path]
        }
    }

    static func tokenizer(_ name: String, fast: Bool = false, expect: Expect = .fails(nil), _ bytes: @escaping (Campaign) throws -> Data) -> Case {
        Case(name: "tokenizer.json: " + name, fast: fast, expect: expect) { c, s in
            ["tokenizer", "encode", "--tokenizer", try c.write(try bytes(c), "tokenizer.json", in: s), "--text", "Is item 3 good? wörld"]
        }
    }

    static func chatConfig(_ name: String, fast: Bool = false, expect: Expect = .fails(nil), file: String = "tokenizer_config.json",
                           messages: ((Campaign) throws -> Data)? = nil, _ bytes: @escaping (Campaign) throws -> Data) -> Case {
        Case(name: file + ": " + name, fast: fast, expect: expect) { c, s in
            let dir = try c.copy(c.chat, into: s, replacing: file, with: try bytes(c))
            if let messages { try messages(c).write(to: dir.appendingPathComponent("messages.json")) }
            return ["tokenizer", "render", "--model", dir.path, "--messages", dir.appendingPathComponent("messages.json").path]
        }
    }

    static func template(_ name: String, fast: Bool = false, expect: Expect = .fails(nil), source: String) -> Case {
        chatConfig("template " + name, fast: fast, expect: expect) { _ in
            try JSONSerialization.data(withJSONObject: ["eos_token": "</s>", "chat_template": source])
        }
    }

    /// config.json of the GPT-2 base (`gpt`) or the Llama base with `changes` applied (nil removes a key).
    static func config(_ name: String, llama: Bool, fast: Bool = false, expect: Expect = .fails(nil), raw: ((Campaign) throws -> Data)? = nil,
                       set changes: [String: Any] = [:]) -> Case {
        Case(name: (llama ? "llama " : "gpt2 ") + "config.json: " + name, fast: fast, expect: expect) { c, s in
            let base = llama ? c.llama : c.world.base
            var object = try JSONSerialization.jsonObject(with: Data(contentsOf: base.appendingPathComponent("config.json"))) as! [String: Any]
            for (k, v) in changes { object[k] = v }
            let data = try raw?(c) ?? JSONSerialization.data(withJSONObject: object)
            return generate(try c.copy(base, into: s, replacing: "config.json", with: data))
        }
    }

    static func pretrain(_ name: String, fast: Bool = false, expect: Expect = .fails(nil), config: [String: Any]) -> Case {
        Case(name: "pretrain --config: " + name, fast: fast, expect: expect) { c, s in
            let file = try c.write(try JSONSerialization.data(withJSONObject: config), "config.json", in: s)
            return ["pretrain", "--data", c.corpus.path, "--tokenizer", c.world.base.appendingPathComponent("tokenizer.json").path,
                    "--config", file, "--steps", "1", "--batch-size", "1", "--context", "8", "--out", s.appendingPathComponent("out").path]
        }
    }

    static let pair = #"{"prompt": "Is item 1 good?", "chosen": " A", "rejected": " B", "group": "north"}"#

    static func pairs(_ name: String, fast: Bool = false, expect: Expect = .fails(nil), _ bytes: @escaping (Campaign) throws -> Data) -> Case {
        Case(name: "pairs JSONL (eval): " + name, fast: fast, expect: expect) { c, s in
            ["eval", "--model", c.world.base.path, "--reference", c.world.base.path, "--split", "all", "--data", try c.write(try bytes(c), "pairs.jsonl", in: s)]
        }
    }

    static func rankings(_ name: String, fast: Bool = false, expect: Expect = .fails(nil), text: String) -> Case {
        Case(name: "rankings JSONL (rank): " + name, fast: fast, expect: expect) { c, s in
            ["rank", "--model", c.world.base.path, "--data", try c.write(Data(text.utf8), "rank.jsonl", in: s), "--steps", "1",
             "--batch-size", "1", "--out", s.appendingPathComponent("out").path]
        }
    }

    static func sft(_ name: String, expect: Expect = .fails(nil), text: String) -> Case {
        Case(name: "SFT JSONL (sft): " + name, fast: false, expect: expect) { c, s in
            ["sft", "--model", c.world.base.path, "--data", try c.write(Data(text.utf8), "sft.jsonl", in: s), "--steps", "1",
             "--out", s.appendingPathComponent("out").path]
        }
    }

    /// A PEFT adapter folder for the GPT-2 base: `adapter_config.json` (PEFT's keys, `changes` applied) and
    /// `adapter_model.safetensors` (default: a rank-2 pair for c_attn of layer 0, which is 32 -> 96); `config`
    /// and `weights` replace either file's bytes. Read by merge.
    static func adapter(_ name: String, fast: Bool = false, expect: Expect = .fails(nil), set changes: [String: Any] = [:],
                        tensors: [String: Tensor]? = nil, config raw: Data? = nil, weights: Data? = nil) -> Case {
        Case(name: "PEFT adapter (merge): " + name, fast: fast, expect: expect) { c, s in
            let dir = s.appendingPathComponent("adapter")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            var object: [String: Any] = ["peft_type": "LORA", "task_type": "CAUSAL_LM", "r": 2, "lora_alpha": 4, "lora_dropout": 0.0,
                                         "target_modules": ["c_attn"], "bias": "none", "use_rslora": false]
            for (k, v) in changes { object[k] = v }
            try (raw ?? JSONSerialization.data(withJSONObject: object)).write(to: dir.appendingPathComponent(PEFTAdapterFolder.configFile))
            let weightsURL = dir.appendingPathComponent(PEFTAdapterFolder.weightsFile)
            if let weights { try weights.write(to: weightsURL) } else {
                try SafeTensors.write(tensors ?? loraPair("transformer.h.0.attn.c_attn", a: [2, 32], b: [96, 2]), to: weightsURL)
            }
            return ["merge", "--model", c.world.base.path, "--adapter", dir.path, "--out", s.appendingPathComponent("out").path]
        }
    }

    static func loraPair(_ module: String, a: [Int], b: [Int]) -> [String: Tensor] {
        [LoRAAdapters.peftName(module: module, "A"): Tensor(shape: a, repeating: 0.01),
         LoRAAdapters.peftName(module: module, "B"): Tensor(shape: b, repeating: 0.01)]
    }

    /// Conversational JSONL (TRL's message lists) through sft on the base with a chat template.
    static func chatSFT(_ name: String, fast: Bool = false, expect: Expect = .fails(nil), _ bytes: @escaping (Campaign) throws -> Data) -> Case {
        Case(name: "chat JSONL (sft): " + name, fast: fast, expect: expect) { c, s in
            ["sft", "--model", c.chatModel.path, "--data", try c.write(try bytes(c), "chat.jsonl", in: s), "--steps", "1",
             "--batch-size", "1", "--out", s.appendingPathComponent("out").path]
        }
    }

    /// Conversational preference pairs through eval on the base with a chat template.
    static func chatPairs(_ name: String, expect: Expect = .fails(nil), _ bytes: @escaping (Campaign) throws -> Data) -> Case {
        Case(name: "chat JSONL (eval): " + name, fast: false, expect: expect) { c, s in
            ["eval", "--model", c.chatModel.path, "--reference", c.chatModel.path, "--split", "all",
             "--data", try c.write(try bytes(c), "chat-pairs.jsonl", in: s)]
        }
    }

    static let chatLine = #"{"messages": [{"role": "user", "content": "Is item 1 good?"}, {"role": "assistant", "content": "A yes"}]}"#
    static let chatPair = #"{"prompt": [{"role": "user", "content": "Is item 1 good?"}], "chosen": [{"role": "assistant", "content": "A"}], "rejected": [{"role": "assistant", "content": "B"}]}"#

    static func csv(_ name: String, fast: Bool = false, expect: Expect = .fails(nil), _ bytes: @escaping (Campaign) throws -> Data) -> Case {
        Case(name: "GlobalOpinionQA CSV: " + name, fast: fast, expect: expect) { c, s in
            ["data", "import-globalopinionqa", "--csv", try c.write(try bytes(c), "global_opinions.csv", in: s), "--countries", "Nigeria",
             "--out", s.appendingPathComponent("out").path]
        }
    }

    static func header(_ tensors: String) -> String { "{" + tensors + "}" }
    static let realWeights = { (c: Campaign) in try Data(contentsOf: c.world.base.appendingPathComponent("model.safetensors")) }
    static let realTokenizer = { (c: Campaign) in try Data(contentsOf: c.world.base.appendingPathComponent("tokenizer.json")) }
    static let realGGUF = { (c: Campaign) in try Data(contentsOf: c.gguf) }
    static let realCSV = { (c: Campaign) in try Data(contentsOf: c.csv) }
    /// The real GGUF model with a SentencePiece vocabulary of its size whose last token is `longToken` scalars of
    /// "a" (and no merges, which SentencePiece files never have): converting it rebuilds the merges from the
    /// vocabulary, which used to build both halves of every cut of every token (~4·10¹⁰ scalar copies here).
    static func longTokenGGUF(_ c: Campaign, longToken: Int) throws -> Data {
        let file = try GGUFFile(contentsOf: c.gguf)
        let count = file.metadata["tokenizer.ggml.tokens"]?.array?.count ?? 0
        var tokens = ["<unk>", "<s>", "</s>", "a", "aa"] + (5..<max(count - 1, 5)).map { "t\($0)" }
        tokens.append(String(repeating: "a", count: longToken))
        var w = try GGUFWriter()
        for key in file.metadataKeys where !key.hasPrefix("tokenizer.") && key != GGUFFile.alignmentKey {
            try w.set(key, file.metadata[key]!)
        }
        try w.set("tokenizer.ggml.model", .string("llama"))
        try w.set("tokenizer.ggml.tokens", .array(elementType: .string, tokens.map { .string($0) }))
        try w.set("tokenizer.ggml.scores", .array(elementType: .float32, tokens.indices.map { .float32(-Float($0)) }))
        try w.set("tokenizer.ggml.token_type", .array(elementType: .int32, tokens.indices.map { .int32($0 < 3 ? 3 : 1) }))
        for info in file.tensors { try w.addRaw(info.name, dims: info.dims, type: info.type, bytes: Array(file.rawData(of: info))) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ta-long-token-\(UUID().uuidString).gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        try w.write(to: url)
        return try Data(contentsOf: url)
    }
    static let giant = String(repeating: "x", count: 20 << 20)
    typealias G = HostileFiles.GGUF

    static let cases: [Case] = [
        // safetensors, read by generate through Checkpoint.load
        weights("empty file", fast: true) { _ in Data() },
        weights("7 bytes") { _ in Data([1, 2, 3, 4, 5, 6, 7]) },
        weights("header length 2^63") { _ in HostileFiles.safetensors(header: "{}", length: 1 << 63) },
        weights("header length past the end") { _ in HostileFiles.safetensors(header: "{}", length: 1 << 20) },
        weights("header is not JSON") { _ in HostileFiles.safetensors(header: "not json at all") },
        weights("header is an array") { _ in HostileFiles.safetensors(header: "[1, 2]") },
        weights("NUL bytes in the header") { _ in HostileFiles.safetensors(header: "{\"a\u{0}\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", data: Data(count: 4)) },
        weights("invalid UTF-8 in the header") { _ in HostileFiles.invalidUTF8(HostileFiles.safetensors(header: "{}")) },
        weights("shape [2^40, 2^40]", fast: true) { _ in HostileFiles.safetensors(header: header(#""w": {"dtype": "F32", "shape": [1099511627776, 1099511627776], "data_offsets": [0, 4]}"#), data: Data(count: 4)) },
        weights("negative dimension") { _ in HostileFiles.safetensors(header: header(#""w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}"#), data: Data(count: 4)) },
        weights("offsets past the end") { _ in HostileFiles.safetensors(header: header(#""w": {"dtype": "F32", "shape": [1000], "data_offsets": [0, 4000]}"#), data: Data(count: 4)) },
        weights("every weight +Inf (a diverged run's)", fast: true) { c in
            let file = try SafeTensors.read(contentsOf: c.world.base.appendingPathComponent("model.safetensors"))
            let url = c.world.root.appendingPathComponent("inf.safetensors")
            try SafeTensors.write(file.tensors.mapValues { Tensor(shape: $0.shape, repeating: .infinity) }, metadata: file.metadata, to: url)
            return try Data(contentsOf: url)
        },
        weights("overlapping offsets") { _ in HostileFiles.safetensors(header: header(#""a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}"#), data: Data(count: 12)) },
        weights("unknown dtype") { _ in HostileFiles.safetensors(header: header(#""w": {"dtype": "Q9", "shape": [1], "data_offsets": [0, 4]}"#), data: Data(count: 4)) },
        weights("duplicate tensor names") { _ in HostileFiles.safetensors(header: header(#""w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}"#), data: Data(count: 8)) },
        weights("metadata nested 100 000 deep") { _ in HostileFiles.safetensors(header: "{\"__metadata__\": " + HostileFiles.nestedJSON(100_000) + "}") },
        weights("data section truncated") { c in HostileFiles.truncated(try realWeights(c), 0.9) },
        weights("BOM before the header") { _ in HostileFiles.safetensors(header: "\u{FEFF}{}") },
        weights("100 000 tensors") { _ in HostileFiles.safetensors(header: "{" + (0..<100_000).map { "\"t\($0)\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [0, 0]}" }.joined(separator: ", ") + "}") },
        weights("shapes disagree with config.json") { _ in HostileFiles.safetensors(header: header(#""wte.weight": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}"#), data: Data(count: 4)) },
        weights("the real file", fast: true, expect: .ok) { c in try realWeights(c) },

        // GGUF, read by convert --gguf
        gguf("empty file", fast: true) { _ in Data() },
        gguf("wrong magic") { _ in Data("GGML".utf8) + G.u32(3) + G.u64(0) + G.u64(0) },
        gguf("version 99") { _ in G(version: 99).bytes },
        gguf("tensor count 2^63", fast: true) { _ in G(tensorCount: 1 << 63).bytes },
        gguf("metadata count 2^63") { _ in G(metadataCount: 1 << 63).bytes },
        gguf("key length 2^63") { _ in Data("GGUF".utf8) + G.u32(3) + G.u64(0) + G.u64(1) + G.u64(1 << 63) },
        gguf("array of 2^62 strings") { _ in G(metadata: [("a", G.typeArray, G.u32(G.typeString) + G.u64(1 << 62))]).bytes },
        gguf("dims 2^40 × 2^40") { _ in G(metadata: [("general.architecture", G.typeString, G.string("llama"))], tensors: [("w", [1 << 40, 1 << 40], 0, 0)]).bytes },
        gguf("1000 dimensions") { _ in G(tensors: [("w", Array(repeating: 1, count: 1000), 0, 0)]).bytes },
        gguf("offset past the end") { _ in G(tensors: [("w", [4], 0, 1 << 30)]).bytes },
        gguf("unknown tensor type") { _ in G(tensors: [("w", [4], 999, 0)], data: Data(count: 64)).bytes },
        gguf("alignment 3") { _ in G(metadata: [("general.alignment", G.typeU32, G.u32(3))], tensors: [("w", [4], 0, 0)], data: Data(count: 64)).bytes },
        gguf("alignment 0") { _ in G(metadata: [("general.alignment", G.typeU32, G.u32(0))]).bytes },
        gguf("duplicate tensor names") { _ in G(tensors: [("w", [4], 0, 0), ("w", [4], 0, 32)], data: Data(count: 64)).bytes },
        gguf("duplicate metadata keys") { _ in G(metadata: [("general.architecture", G.typeString, G.string("llama")), ("general.architecture", G.typeString, G.string("gpt2"))]).bytes },
        gguf("invalid UTF-8 key") { _ in Data("GGUF".utf8) + G.u32(3) + G.u64(0) + G.u64(1) + G.u64(2) + Data([0xC0, 0x80]) + G.u32(G.typeU32) + G.u32(1) },
        gguf("metadata only, no tensors") { _ in G(metadata: [("general.architecture", G.typeString, G.string("llama"))]).bytes },
        gguf("the real file truncated") { c in HostileFiles.truncated(try realGGUF(c)) },
        gguf("the real file", fast: true, expect: .ok) { c in try realGGUF(c) },
        gguf("a 200 000-scalar SentencePiece token, no merges", fast: true, expect: .ok) { c in try longTokenGGUF(c, longToken: 200_000) },

        // tokenizer.json, read by tokenizer encode
        tokenizer("empty file", fast: true) { _ in Data() },
        tokenizer("not JSON") { _ in Data("{\"model\": ".utf8) },
        tokenizer("an array") { _ in Data("[1, 2, 3]".utf8) },
        tokenizer("unsupported model type") { _ in Data(#"{"model": {"type": "Unigram", "vocab": [["a", 0.0]]}}"#.utf8) },
        tokenizer("id 2^40 in the vocabulary") { _ in Data(#"{"model": {"type": "BPE", "vocab": {"a": 1099511627776}, "merges": []}}"#.utf8) },
        tokenizer("negative added token id") { c in
            var o = try JSONSerialization.jsonObject(with: try realTokenizer(c)) as! [String: Any]
            o["added_tokens"] = [["id": -1, "content": "<x>", "special": true]]
            return try JSONSerialization.data(withJSONObject: o)
        },
        tokenizer("merge of unknown tokens") { _ in Data(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["q z"]}}"#.utf8) },
        tokenizer("nested 100 000 deep", fast: true) { _ in Data(("{\"model\": " + HostileFiles.nestedJSON(100_000) + "}").utf8) },
        tokenizer("a 20 MB added token", expect: .either) { c in
            var o = try JSONSerialization.jsonObject(with: try realTokenizer(c)) as! [String: Any]
            var added = o["added_tokens"] as! [[String: Any]]
            added.append(["id": (o["model"] as! [String: Any])["vocab"].map { ($0 as! [String: Any]).count } ?? 0, "content": giant, "special": true])
            o["added_tokens"] = added
            return try JSONSerialization.data(withJSONObject: o)
        },
        tokenizer("NUL in a vocabulary key", expect: .either) { c in
            String(decoding: try realTokenizer(c), as: UTF8.self).replacingOccurrences(of: "\"vocab\": {", with: "\"vocab\": {\"a\\u0000b\": 99999, ").data(using: .utf8)!
        },
        tokenizer("invalid UTF-8") { c in HostileFiles.invalidUTF8(try realTokenizer(c)) },
        tokenizer("BOM", expect: .either) { c in Data([0xEF, 0xBB, 0xBF]) + (try realTokenizer(c)) },
        tokenizer("CRLF line endings", expect: .ok) { c in HostileFiles.crlf(String(decoding: try realTokenizer(c), as: UTF8.self)) },
        tokenizer("truncated") { c in HostileFiles.truncated(try realTokenizer(c)) },
        tokenizer("duplicate model key", expect: .either) { c in
            Data(("{\"model\": {\"type\": \"WordLevel\", \"vocab\": {}}, " + String(decoding: try realTokenizer(c), as: UTF8.self).dropFirst()).utf8)
        },
        tokenizer("the real file", fast: true, expect: .ok) { c in try realTokenizer(c) },

        // tokenizer_config.json and chat templates, read by tokenizer render
        chatConfig("empty file") { _ in Data() },
        chatConfig("not JSON") { _ in Data("{\"chat_template\": ".utf8) },
        chatConfig("chat_template is a number") { _ in Data(#"{"chat_template": 7}"#.utf8) },
        chatConfig("nested 100 000 deep") { _ in Data(("{\"x\": " + HostileFiles.nestedJSON(100_000) + "}").utf8) },
        chatConfig("BOM", expect: .either) { _ in HostileFiles.withBOM(#"{"eos_token": "</s>", "chat_template": "{{ messages[0].content }}"}"#) },
        chatConfig("duplicate keys", expect: .either) { _ in Data(#"{"chat_template": "a", "chat_template": "{{ messages | length }}"}"#.utf8) },
        chatConfig("messages nested 100 000 deep", messages: { _ in Data(HostileFiles.nestedJSON(100_000).utf8) }) { _ in
            Data(#"{"chat_template": "{{ messages }}"}"#.utf8)
        },
        chatConfig("a 20 MB message", expect: .ok, messages: { _ in try JSONSerialization.data(withJSONObject: [["role": "user", "content": giant]]) }) { _ in
            Data(#"{"chat_template": "{% for m in messages %}{{ m.content | length }}{% endfor %}"}"#.utf8)
        },
        chatConfig("NUL and invalid UTF-8", expect: .either, file: "chat_template.jinja") { _ in Data([0x7B, 0x7B, 0x20, 0x00, 0xFF, 0x20, 0x7D, 0x7D]) },
        chatConfig("CRLF template file", expect: .ok, file: "chat_template.jinja") { _ in HostileFiles.crlf("{% for m in messages %}\n{{ m.content }}\n{% endfor %}\n") },
        template("syntax error", fast: true, source: "{% for m in messages %}{{ m.content }"),
        template("a billion passes", source: "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"),
        template("runaway macro recursion", fast: true, source: "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"),
        template("a string doubled 40 times", source: "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}"),
        template("a namespace holding itself", source: "{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}"),
        template("5000 nested parentheses", source: String(repeating: "{{ (", count: 1) + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5001) + " }}"),
        template("raise_exception", source: "{{ raise_exception('no system role') }}"),
        template("renders", fast: true, expect: .ok, source: "{% for m in messages %}[{{ m.role }}] {{ m.content | trim }}\n{% endfor %}"),

        // config.json of both families, read by generate through Checkpoint.load
        config("not JSON", llama: false, raw: { _ in Data("{".utf8) }),
        config("empty", llama: false, raw: { _ in Data() }),
        config("n_layer 10^9", llama: false, fast: true, set: ["n_layer": 1_000_000_000]),
        config("n_embd not divisible by n_head", llama: false, set: ["n_head": 3]),
        config("vocab_size -1", llama: false, set: ["vocab_size": -1]),
        config("model_type bert", llama: false, set: ["model_type": "bert"]),
        config("model_type is a number", llama: false, set: ["model_type": 7]),
        config("nested 100 000 deep", llama: false, raw: { _ in Data(("{\"n_layer\": " + HostileFiles.nestedJSON(100_000) + "}").utf8) }),
        config("300 layers of width 1024 over tiny weights", llama: false, set: ["n_layer": 300, "n_embd": 1024, "n_head": 4]),
        config("1000 layers over the weights of 2", llama: true, fast: true, set: ["num_hidden_layers": 1000]),
        config("hidden 131072 × vocab 4M", llama: true, set: ["hidden_size": 131_072, "vocab_size": 4_194_304]),
        config("rope factor 1e300", llama: true, set: ["rope_scaling": ["rope_type": "dynamic", "factor": 1e300]]),
        config("original_max_position_embeddings 1e300", llama: true,
               set: ["rope_scaling": ["rope_type": "llama3", "factor": 8, "low_freq_factor": 1, "high_freq_factor": 4, "original_max_position_embeddings": 1e300]]),
        config("3 key-value heads for 2 heads", llama: true, set: ["num_key_value_heads": 3]),
        config("odd head_dim", llama: true, set: ["head_dim": 7]),
        config("rms_norm_eps 1e300", llama: true, set: ["rms_norm_eps": 1e300]),
        config("BOM", llama: true, expect: .either, raw: { c in HostileFiles.withBOM(String(decoding: try Data(contentsOf: c.llama.appendingPathComponent("config.json")), as: UTF8.self)) }),
        config("the real file", llama: true, expect: .ok),

        // pretrain --config: both families get the limits, and a model that cannot fit memory is refused
        pretrain("GPT-2 of 4 × 10⁹ parameters", fast: true, expect: .fails("more than this machine's"),
                 config: ["vocab_size": 300, "n_layer": 5, "n_embd": 8192, "n_head": 64, "n_positions": 1024]),
        pretrain("Llama of 1.4 × 10¹⁰ parameters", fast: true, expect: .fails("more than this machine's"), config: ["model_type": "llama", "hidden_size": 8192, "intermediate_size": 28672,
                                                     "num_hidden_layers": 15, "num_attention_heads": 64, "vocab_size": 300]),
        pretrain("Llama of 10⁶ layers", config: ["model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
                                         "num_hidden_layers": 1_000_000, "num_attention_heads": 4, "vocab_size": 300]),
        pretrain("GPT-2 n_positions 2^40", config: ["vocab_size": 300, "n_layer": 1, "n_embd": 16, "n_head": 2, "n_positions": 1 << 40]),

        // preference JSONL, read by eval
        pairs("empty file", fast: true) { _ in Data() },
        pairs("not JSON") { _ in Data((pair + "\n{oops\n").utf8) },
        pairs("a 20 MB line") { _ in Data((pair + "\n{\"prompt\": \"" + giant + "\", \"chosen\": \"a\", \"rejected\": \"b\"}\n").utf8) },
        pairs("nested 100 000 deep") { _ in Data(("{\"prompt\": " + HostileFiles.nestedJSON(100_000) + "}\n").utf8) },
        pairs("duplicate keys") { _ in Data(#"{"prompt": "a", "prompt": "b", "chosen": "c", "rejected": "d"}"#.utf8) },
        pairs("a raw NUL byte", expect: .either) { _ in Data((pair + "\n").utf8) + Data([0x7B, 0x00, 0x7D, 0x0A]) },
        pairs("invalid UTF-8") { _ in HostileFiles.invalidUTF8(Data((pair + "\n").utf8)) },
        pairs("BOM", fast: true, expect: .ok) { _ in HostileFiles.withBOM(pair + "\n" + pair + "\n") },
        pairs("CRLF", expect: .ok) { _ in HostileFiles.crlf(pair + "\n" + pair + "\n") },
        pairs("truncated last line") { _ in Data((pair + "\n" + pair.dropLast(5)).utf8) },
        pairs("chosen is a number") { _ in Data(#"{"prompt": "a", "chosen": 1, "rejected": "d"}"#.utf8) },
        rankings("ranking index out of range", text: #"{"prompt": "p", "responses": ["a", "b"], "ranking": [0, 5], "group": "g"}"#),
        rankings("fractional ranking", text: #"{"prompt": "p", "responses": ["a", "b"], "ranking": [0.5, 1], "group": "g"}"#),
        rankings("257 responses in a row", fast: true, text: #"{"prompt": "p", "responses": [""# + (0..<257).map { "r\($0)" }.joined(separator: #"", ""#)
                 + #""], "ranking": [256, 0], "group": "g"}"#),
        sft("no completion", text: #"{"prompt": "p", "group": "g"}"#),

        // GlobalOpinionQA CSV, read by data import-globalopinionqa
        csv("empty file") { _ in Data() },
        csv("unterminated quote", fast: true) { c in try realCSV(c) + Data("\"never closed,".utf8) },
        csv("a 20 MB field") { _ in Data(("question,selections,options,source\n\"" + giant + "\",x,y,z\n").utf8) },
        csv("NUL bytes in a question", expect: .either) { c in (try realCSV(c)).prefix(60) + Data([0, 0, 0]) + (try realCSV(c)).dropFirst(60) },
        csv("invalid UTF-8") { c in HostileFiles.invalidUTF8(try realCSV(c)) },
        csv("selections nested 10 000 deep") { _ in
            Data(("question,selections,options,source\nq,\"defaultdict(<class 'list'>, {'Nigeria': " + String(repeating: "[", count: 10_000) + "]})\",\"['a', 'b']\",GAS\n").utf8)
        },
        csv("BOM and CRLF", expect: .ok) { c in HostileFiles.withBOM(String(decoding: HostileFiles.crlf(String(decoding: try realCSV(c), as: UTF8.self)), as: UTF8.self)) },
        csv("the real file", expect: .ok) { c in try realCSV(c) },

        // PEFT adapter folders, read by merge
        adapter("r 10^9", fast: true, set: ["r": 1_000_000_000]),
        adapter("r 100 000 over thin tensors", tensors: loraPair("transformer.h.0.attn.c_attn", a: [100_000, 1], b: [1, 100_000])),
        adapter("r 2.5", set: ["r": 2.5]),
        adapter("r true", set: ["r": true]),
        adapter("r claims 64, tensors have 2", set: ["r": 64]),
        adapter("shape mismatch", fast: true, tensors: loraPair("transformer.h.0.attn.c_attn", a: [2, 16], b: [96, 2])),
        adapter("missing target module", tensors: loraPair("model.layers.0.self_attn.q_proj", a: [2, 32], b: [32, 2])),
        adapter("lora_A without lora_B", tensors: [LoRAAdapters.peftName(module: "transformer.h.0.attn.c_attn", "A"): Tensor(shape: [2, 32], repeating: 0)]),
        adapter("bad JSON", config: Data(#"{"peft_type": "LORA", "r": "#.utf8)),
        adapter("config nested 100 000 deep", config: Data(("{\"peft_type\": \"LORA\", \"r\": " + HostileFiles.nestedJSON(100_000) + "}").utf8)),
        adapter("duplicate r keys", expect: .either, config: Data(#"{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["c_attn"], "r": 1000000000}"#.utf8)),
        adapter("lora_dropout 7", set: ["lora_dropout": 7]),
        adapter("DoRA", set: ["use_dora": true]),
        adapter("weights truncated", weights: Data(repeating: 1, count: 9)),
        adapter("weights with shape [2^40, 2^40]", weights: HostileFiles.safetensors(header: header(#""base_model.model.transformer.h.0.attn.c_attn.lora_A.weight": {"dtype": "F32", "shape": [1099511627776, 1099511627776], "data_offsets": [0, 4]}"#), data: Data(count: 4))),
        adapter("invalid UTF-8 config", config: HostileFiles.invalidUTF8(Data(#"{"peft_type": "LORA", "r": 2, "lora_alpha": 4}"#.utf8))),
        adapter("a well-formed adapter", fast: true, expect: .ok),

        // conversational JSONL (TRL's message lists), read by sft and eval through the chat template
        chatSFT("a well-formed conversation", fast: true, expect: .ok) { _ in Data(String(repeating: chatLine + "\n", count: 10).utf8) },
        chatSFT("messages nested 100 000 deep") { _ in Data(("{\"messages\": [{\"role\": \"user\", \"content\": \"x\", \"extra\": " + HostileFiles.nestedJSON(100_000) + "}]}\n").utf8) },
        // As many messages as the 16 MiB line bound lets through (516 220): refused by the item bound before parsing.
        chatSFT("16 MiB of messages in a conversation", fast: true) { _ in
            let turn = #"{"role":"user","content":"x"},{"role":"assistant","content":"y"}"#
            let count = ((16 << 20) - 20) / (turn.utf8.count + 1)
            return Data((chatLine + "\n{\"messages\":[" + Array(repeating: turn, count: count).joined(separator: ",") + "]}\n").utf8)
        },
        chatSFT("a 20 MB content") { _ in Data((chatLine + "\n{\"messages\": [{\"role\": \"user\", \"content\": \"" + giant + "\"}, {\"role\": \"assistant\", \"content\": \"a\"}]}\n").utf8) },
        chatSFT("a 4 MB assistant message", expect: .either) { _ in
            Data((chatLine + "\n{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"" + String(giant.prefix(4 << 20)) + "\"}]}\n").utf8)
        },
        chatSFT("unknown role", fast: true) { _ in Data((chatLine + "\n" + #"{"messages": [{"role": "user", "content": "hi"}, {"role": "bot", "content": "A"}]}"# + "\n").utf8) },
        chatSFT("content is a number") { _ in Data(#"{"messages": [{"role": "user", "content": 7}, {"role": "assistant", "content": "A"}]}"#.utf8) },
        chatSFT("no assistant message") { _ in Data(#"{"messages": [{"role": "user", "content": "hi"}]}"#.utf8) },
        chatSFT("an empty conversation") { _ in Data(#"{"messages": []}"#.utf8) },
        chatSFT("a message is a string") { _ in Data(#"{"messages": ["hi", {"role": "assistant", "content": "A"}]}"#.utf8) },
        chatSFT("NUL and invalid UTF-8 in a content", expect: .either) { _ in
            Data(#"{"messages": [{"role": "user", "content": "a\u0000b"}, {"role": "assistant", "content": "A"}]}"#.utf8) + Data("\n".utf8)
                + HostileFiles.invalidUTF8(Data(chatLine.utf8))
        },
        chatSFT("BOM and CRLF", expect: .ok) { _ in HostileFiles.withBOM(String(decoding: HostileFiles.crlf(String(repeating: chatLine + "\n", count: 10)), as: UTF8.self)) },
        chatPairs("a well-formed pair", expect: .ok) { _ in Data(String(repeating: chatPair + "\n", count: 10).utf8) },
        chatPairs("unknown role in chosen") { _ in Data(chatPair.replacingOccurrences(of: #""role": "assistant", "content": "A""#, with: #""role": "robot", "content": "A""#).utf8) },
        chatPairs("implicit prompt sharing nothing") { _ in Data(#"{"chosen": [{"role": "user", "content": "a"}], "rejected": [{"role": "user", "content": "b"}]}"#.utf8) },
        chatPairs("chosen flat, rejected messages") { _ in Data(#"{"prompt": [{"role": "user", "content": "a"}], "chosen": "A", "rejected": [{"role": "assistant", "content": "B"}]}"#.utf8) },
    ]

    // MARK: running

    func testHostileInputs() throws {
        let env = ProcessInfo.processInfo.environment
        let full = env["TINYALIGN_HOSTILE"] == "full"
        let binary = env["TINYALIGN_BIN"].map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? TinyAlignBinary.url.path
        let campaign = try Campaign()
        defer { campaign.world.remove() }
        var table = ["| case | expected | exit | peak RSS (MB) | seconds | stderr |", "| --- | --- | --- | --- | --- | --- |"]
        let selected = Self.cases.filter { full || $0.fast }
        XCTAssertGreaterThanOrEqual(Self.cases.count, 88)
        for (i, c) in selected.enumerated() {
            let scratch = campaign.world.root.appendingPathComponent("case-\(i)")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            let args = try c.make(campaign, scratch)
            let r = try HostileProcess.run(binary, args, scratch: scratch,
                                           environment: ["TINYALIGN_CACHE_DIR": scratch.appendingPathComponent("cache").path])
            let errLines = r.err.split(separator: "\n", omittingEmptySubsequences: true)
            let label = "\(c.name) [\(args.joined(separator: " ").prefix(200))]"
            XCTAssertNil(r.signal, "\(label): killed by signal \(r.signal ?? 0)\(r.timedOut ? " (timeout)" : "") \(r.err.suffix(500))")
            XCTAssertLessThan(r.peakRSS, 1 << 30, "\(label): peak RSS \(r.peakRSS >> 20) MB")
            let expected: String
            switch c.expect {
            case .ok:
                expected = "ok"
                XCTAssertEqual(r.status, 0, "\(label): \(r.err.suffix(500))")
            case let .fails(part):
                expected = "error"
                XCTAssertNotEqual(r.status, 0, "\(label) succeeded: \(r.out.prefix(300))")
                XCTAssertEqual(errLines.count, 1, "\(label): not one line: \(r.err.prefix(1000))")
                if let part { XCTAssertTrue(r.err.contains(part), "\(label): '\(r.err)' lacks '\(part)'") }
            case .either:
                expected = "ok or error"
                if r.status != 0 { XCTAssertEqual(errLines.count, 1, "\(label): not one line: \(r.err.prefix(1000))") }
            }
            if r.status != 0 {
                // No half-written output: a failed command leaves no --out behind.
                XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("out").path), "\(label): left --out behind")
            }
            let shown = (errLines.first.map(String.init) ?? "").replacingOccurrences(of: scratch.path, with: "…").replacingOccurrences(of: "|", with: "\\|")
            table.append("| \(c.name) | \(expected) | \(r.signal.map { "signal \($0)" } ?? String(r.status)) | \(r.peakRSS >> 20) | "
                         + String(format: "%.2f", r.seconds) + " | \(shown.prefix(160)) |")
            try? FileManager.default.removeItem(at: scratch)
        }
        if let report = env["TINYALIGN_HOSTILE_REPORT"] {
            try Data((table.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: report))
        }
    }
}
