import ArgumentParser
import Foundation
import Models
import Recipes
import TensorCore

/// `tinyalign convert`: GGUF file ↔ Hugging Face folder for Llama-family models (llama, mistral, qwen2, qwen3,
/// gemma). `--gguf FILE --out DIR` writes config.json, generation_config.json, model.safetensors and the tokenizer
/// files; `--model DIR --out FILE.gguf --type f32|f16|q8_0` writes a GGUF v3 file. Notes (skipped tensors, a
/// tokenizer not converted, F16 fallbacks) are printed after the summary line.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a GGUF file to a Hugging Face folder, or a Hugging Face folder to GGUF (F32, F16, Q8_0).")

    @Option(help: "GGUF file to convert to a Hugging Face folder.") var gguf: String?
    @Option(help: "Hugging Face folder (config.json, model.safetensors, tokenizer.json) to convert to GGUF.") var model: String?
    @Option(help: "Output: a folder (with --gguf) or a .gguf file (with --model).") var out: String
    @Option(help: "GGUF tensor type for 2-D weights with --model: f32, f16 or q8_0 (norms and biases stay f32).")
    var type = "f16"
    @Option(help: "safetensors dtype with --gguf: f32, f16 or bf16.") var dtype = "f32"
    @Option(help: "general.name for --model (default: the folder name).") var name: String?
    @OptionGroup var adapterOption: AdapterOption

    func validate() throws {
        guard (gguf == nil) != (model == nil) else {
            throw ValidationError("give exactly one of --gguf (GGUF -> Hugging Face) and --model (Hugging Face -> GGUF)")
        }
        guard ["f32", "f16", "q8_0"].contains(type.lowercased()) else {
            throw ValidationError("--type must be f32, f16 or q8_0, got \(type)")
        }
        guard SafeTensorsDType(rawValue: dtype.uppercased()) != nil else {
            throw ValidationError("--dtype must be f32, f16 or bf16, got \(dtype)")
        }
    }

    func run() throws {
        try CommandSupport.oneLine {
            let notes: [String]
            if let gguf {
                let dt = SafeTensorsDType(rawValue: dtype.uppercased())!
                notes = try GGUFConversion.ggufToHuggingFace(URL(fileURLWithPath: gguf), folder: URL(fileURLWithPath: out), dtype: dt)
                print("wrote \(out) (\(dt.rawValue) safetensors) from \(gguf)")
            } else {
                let t = GGMLType(name: type)!
                var source = URL(fileURLWithPath: model!)
                var merged: URL?
                if let adapter = adapterOption.url {
                    // The adapter is merged into a temporary plain folder first, which is converted and removed.
                    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tinyalign-merge-\(UUID().uuidString)")
                    try LoRASetup.merge(base: source, adapter: adapter, out: folder)
                    merged = folder
                    source = folder
                }
                defer { if let merged { try? FileManager.default.removeItem(at: merged) } }
                notes = try GGUFConversion.huggingFaceToGGUF(source, gguf: URL(fileURLWithPath: out),
                                                            type: t, name: name ?? (merged == nil ? nil : URL(fileURLWithPath: model!).lastPathComponent))
                print("wrote \(out) (\(t.name)) from \(model!)")
            }
            for n in notes { print("note: \(n)") }
        }
    }
}
