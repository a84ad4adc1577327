// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets, one per parser of untrusted files. Built with `make fuzz` (Fuzz/run.sh), which passes
// `-sanitize=fuzzer,address` to every module, so the main package is instrumented too. Not part of `make test`.
let targets = ["FuzzSafeTensors", "FuzzConfig", "FuzzPreferenceJSONL", "FuzzRankingJSONL", "FuzzCSV", "FuzzPythonLiteral",
               "FuzzGlobalOpinionQA", "FuzzGGUF", "FuzzHFTokenizer", "FuzzTokenizerConfig", "FuzzChatTemplate", "FuzzLlamaConfig",
               "FuzzPEFTAdapter", "FuzzChatJSONL"]
/// Only the conversational JSONL target encodes as training does, so only it links the Alignment stack.
let alignment: Set<String> = ["FuzzChatJSONL"]

let package = Package(
    name: "TinyAlignFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "TinyAlign", path: "..")],
    targets: [.target(name: "FuzzSupport", dependencies: [.product(name: "Tokenizer", package: "TinyAlign")], path: "Sources/FuzzSupport")]
        + targets.map { name in
            .executableTarget(
                name: name,
                dependencies: ["FuzzSupport", .product(name: "TensorCore", package: "TinyAlign"), .product(name: "Models", package: "TinyAlign"),
                               .product(name: "Datasets", package: "TinyAlign"), .product(name: "Tokenizer", package: "TinyAlign")]
                    + (alignment.contains(name) ? [.product(name: "Alignment", package: "TinyAlign")] : []),
                path: "Sources/\(name)"
            )
        },
    swiftLanguageModes: [.v5]
)
