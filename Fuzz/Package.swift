// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets, one per parser of untrusted files. Built with `make fuzz` (see the Makefile), which passes
// `-sanitize=fuzzer,address` to every module, so the main package is instrumented too. Not part of `make test`.
let targets = ["FuzzSafeTensors", "FuzzConfig", "FuzzPreferenceJSONL", "FuzzRankingJSONL", "FuzzCSV", "FuzzPythonLiteral",
               "FuzzGlobalOpinionQA", "FuzzGGUF", "FuzzHFTokenizer", "FuzzTokenizerConfig", "FuzzChatTemplate", "FuzzLlamaConfig"]

let package = Package(
    name: "TinyAlignFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "TinyAlign", path: "..")],
    targets: [.target(name: "FuzzSupport", path: "Sources/FuzzSupport")] + targets.map { name in
        .executableTarget(
            name: name,
            dependencies: ["FuzzSupport", .product(name: "TensorCore", package: "TinyAlign"), .product(name: "Models", package: "TinyAlign"),
                           .product(name: "Datasets", package: "TinyAlign"), .product(name: "Tokenizer", package: "TinyAlign")],
            path: "Sources/\(name)"
        )
    },
    swiftLanguageModes: [.v5]
)
