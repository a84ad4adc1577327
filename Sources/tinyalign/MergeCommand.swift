import ArgumentParser
import Foundation
import Recipes

/// `tinyalign merge`: folds a LoRA adapter into its base model and writes a plain Hugging Face folder.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "merge",
        abstract: "Merge a LoRA adapter into its base model and write a plain Hugging Face folder (written atomically).")

    @Option(help: "Base checkpoint folder the adapter was trained on.") var model: String
    @Option(help: "LoRA adapter folder (adapter_config.json + adapter_model.safetensors; TinyAlign's or PEFT's).") var adapter: String
    @Option(help: "Folder to write (config.json, model.safetensors, tokenizer files).") var out: String

    func run() throws {
        let base = URL(fileURLWithPath: model), outURL = URL(fileURLWithPath: out)
        guard base.standardizedFileURL.path != outURL.standardizedFileURL.path else {
            throw CLIError("--out \(out) is the base folder itself; write the merged model elsewhere")
        }
        let merged = try CommandSupport.oneLine { try LoRASetup.merge(base: base, adapter: URL(fileURLWithPath: adapter), out: outURL) }
        print("merged \(merged) adapted modules of \(adapter) into \(model); wrote \(out)")
    }
}
