import Foundation
import Models

/// The memory check `pretrain` makes before it builds a fresh model. A config within the families' limits may
/// still describe billions of parameters; building and training one allocates weights, gradients and AdamW's two
/// moments (16 bytes a parameter in Float32), so a model that cannot fit this machine's memory is refused with a
/// one-line error before anything is allocated, instead of being killed by the kernel part-way.
enum ModelSizeCheck {
    /// Bytes that training needs per parameter: the Float32 weight, its gradient and AdamW's m and v.
    static let trainingBytesPerParameter = 16

    /// The parameter count of `shapes`, overflow-checked.
    static func parameterCount(_ shapes: [(String, [Int])]) -> Int? {
        var total = 0
        for (_, shape) in shapes {
            var n = 1
            for d in shape {
                let (m, o) = n.multipliedReportingOverflow(by: d)
                guard !o, d >= 0 else { return nil }
                n = m
            }
            let (s, o) = total.addingReportingOverflow(n)
            guard !o else { return nil }
            total = s
        }
        return total
    }

    /// Throws unless a model of `shapes` can be trained in `memory` bytes (default: the machine's physical memory).
    static func ensureTrainable(_ shapes: [(String, [Int])], config path: String,
                                memory: UInt64 = ProcessInfo.processInfo.physicalMemory) throws {
        let limit = Int(min(memory, UInt64(Int.max))) / trainingBytesPerParameter
        guard let count = parameterCount(shapes), count <= limit else {
            let gib = { (bytes: Double) in String(format: "%.1f GiB", bytes / Double(1 << 30)) }
            let needs = parameterCount(shapes).map { gib(Double($0) * Double(trainingBytesPerParameter)) } ?? "more than any machine has"
            throw CLIError("\(path): the config describes \(parameterCount(shapes).map(String.init) ?? "too many") parameters; training them "
                           + "needs \(needs) (weights, gradients and AdamW moments in Float32), more than this machine's \(gib(Double(memory)))")
        }
    }

    /// `ensureTrainable` for a `config.json` of any registered family, whose shapes the family computes without
    /// building the model (a family that cannot is not checked here).
    static func ensureTrainable(configJSON data: Data, config path: String) throws {
        let type = try ModelRegistry.modelType(ofConfig: data, path: path)
        guard let family = ModelRegistry.family(for: type) else { return }
        let shapes: [(String, [Int])]?
        do { shapes = try family.expectedTensorShapes(configJSON: data) } catch { throw CLIError("\(path): \(error)") }
        if let shapes { try ensureTrainable(shapes, config: path) }
    }
}
