// swift-tools-version:6.0
import PackageDescription

// A package of its own that uses TinyAlign as a library, by path: it registers a preference loss and trains with
// it, without editing TinyAlign's Sources/. Build and run: `swift run --package-path Examples/CustomLoss`.
let package = Package(
    name: "CustomLoss",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "TinyAlign", path: "../..")],
    targets: [
        .executableTarget(
            name: "CustomLoss",
            dependencies: [
                .product(name: "Alignment", package: "TinyAlign"), .product(name: "Autograd", package: "TinyAlign"),
                .product(name: "Datasets", package: "TinyAlign"), .product(name: "Models", package: "TinyAlign"),
                .product(name: "Recipes", package: "TinyAlign"), .product(name: "TensorCore", package: "TinyAlign"),
                .product(name: "Tokenizer", package: "TinyAlign"),
            ],
            path: "Sources/CustomLoss"
        ),
    ],
    swiftLanguageModes: [.v5]
)
