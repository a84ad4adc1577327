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
        .library(name: "Distributed", targets: ["Distributed"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Alignment", targets: ["Alignment"]),
        .library(name: "Report", targets: ["Report"]),
        .library(name: "Recipes", targets: ["Recipes"]),
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
        // Open MPI, loaded at run time (dlopen), so a single-process run needs neither the library nor a launcher.
        .target(name: "CMPI", path: "Sources/CMPI", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "Distributed", dependencies: ["CMPI"], path: "Sources/Distributed"),
        .target(name: "TensorCore", dependencies: ["COpenBLAS", "CKernels"], path: "Sources/Tensor"),
        .target(name: "Autograd", dependencies: ["TensorCore"], path: "Sources/Autograd"),
        .target(name: "Tokenizer", path: "Sources/Tokenizer"),
        .target(name: "Datasets", dependencies: ["TensorCore", "Tokenizer"], path: "Sources/Datasets"),
        .target(name: "Models", dependencies: ["Autograd", "TensorCore"], path: "Sources/Models"),
        .target(name: "Training", dependencies: ["Models", "Autograd", "TensorCore", "Distributed"], path: "Sources/Training"),
        .target(name: "Alignment", dependencies: ["Training", "Distributed", "Models", "Datasets", "Autograd", "TensorCore", "Tokenizer"],
                path: "Sources/Alignment"),
        .target(name: "Report", dependencies: ["Training"], path: "Sources/Report"),
        .target(name: "Recipes", dependencies: ["Alignment", "Distributed", "Report", "Training", "Datasets", "Models", "Autograd", "TensorCore", "Tokenizer"],
                path: "Sources/Recipes"),
        .executableTarget(
            name: "tinyalign",
            dependencies: [
                "Recipes", "Alignment", "Report", "Training", "Distributed", "Datasets", "Models", "Autograd", "TensorCore", "Tokenizer", "COpenBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/tinyalign"
        ),
        // The tour's runnable examples (docs/tour/), built with the package; TourExamplesTests runs them and checks
        // their printed numbers. Examples/CustomLoss is a package of its own that depends on TinyAlign by path:
        // TourExamplesTests builds it with `swift build --package-path` into .build/examples and runs it.
        .executableTarget(name: "TourTensors", dependencies: ["TensorCore"], path: "Examples/TourTensors"),
        .executableTarget(name: "TourAutodiff", dependencies: ["Autograd", "TensorCore"], path: "Examples/TourAutodiff"),
        .executableTarget(name: "TourTransformer", dependencies: ["Models", "Autograd", "TensorCore"], path: "Examples/TourTransformer"),
        .executableTarget(name: "TourDPO", dependencies: ["Alignment", "Autograd", "TensorCore"], path: "Examples/TourDPO"),
        .executableTarget(name: "TourGroupRobust", dependencies: ["Alignment", "Autograd", "TensorCore"], path: "Examples/TourGroupRobust"),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["TensorCore", "TestSupport"], path: "Tests/TensorTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "AutogradTests", dependencies: ["Autograd", "TensorCore", "TestSupport"], path: "Tests/AutogradTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "TestSupport"], path: "Tests/TokenizerTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Autograd", "TensorCore", "TestSupport"], path: "Tests/ModelsTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Models", "Autograd", "TensorCore", "TestSupport"],
                    path: "Tests/TrainingTests"),
        .testTarget(name: "RecipesTests", dependencies: ["Recipes", "Alignment", "Training", "Datasets", "Models", "Autograd", "TensorCore",
                                                         "Tokenizer", "TestSupport"], path: "Tests/RecipesTests"),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "TensorCore", "TestSupport"], path: "Tests/DatasetsTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "AlignmentTests", dependencies: ["Recipes", "Alignment", "Report", "Training", "Datasets", "Models", "Autograd",
                                                           "TensorCore", "Tokenizer", "TestSupport"],
                    path: "Tests/AlignmentTests", resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5]
)
