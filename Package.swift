// swift-tools-version:6.0
import PackageDescription

// Layer rule: a module is never named like a type it exports (no `Tensor.Tensor`), so the
// folder `Sources/Tensor` builds the module `TensorCore`. Each layer imports only layers below it.
let package = Package(
    name: "TinyAlign",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tinyalign", targets: ["tinyalign"]),
        .library(name: "TensorCore", targets: ["TensorCore"]),
        .library(name: "Autograd", targets: ["Autograd"]),
        .library(name: "Tokenizer", targets: ["Tokenizer"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Alignment", targets: ["Alignment"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            path: "Sources/COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "CKernels", path: "Sources/CKernels"),
        .target(name: "TensorCore", dependencies: ["COpenBLAS", "CKernels"], path: "Sources/Tensor"),
        .target(name: "Autograd", dependencies: ["TensorCore"], path: "Sources/Autograd"),
        .target(name: "Tokenizer", path: "Sources/Tokenizer"),
        .target(name: "Models", dependencies: ["Autograd", "TensorCore", "Tokenizer"], path: "Sources/Models"),
        .target(name: "Alignment", dependencies: ["Models", "Autograd", "TensorCore", "Tokenizer"], path: "Sources/Alignment"),
        .executableTarget(
            name: "tinyalign",
            dependencies: [
                "Alignment", "Models", "Autograd", "TensorCore", "Tokenizer", "COpenBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/tinyalign"
        ),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["TensorCore", "TestSupport"], path: "Tests/TensorTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "AutogradTests", dependencies: ["Autograd", "TensorCore", "TestSupport"], path: "Tests/AutogradTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "TestSupport"], path: "Tests/TokenizerTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Autograd", "TensorCore", "TestSupport"], path: "Tests/ModelsTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "AlignmentTests", dependencies: ["Alignment", "Models", "Autograd", "TensorCore", "TestSupport"],
                    path: "Tests/AlignmentTests",
                    resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5]
)
