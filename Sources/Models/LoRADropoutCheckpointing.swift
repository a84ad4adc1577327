import Autograd
import TensorCore

/// Activation checkpointing of a block whose LoRA adapters use dropout. `Variable.checkpointed` runs the block
/// once without a graph and again, recording, in the backward; an adapter draws its dropout mask only while
/// gradients are recorded, so the plain helper would compute the forward without dropout and the gradient with a
/// mask drawn late from a generator that had moved on. Here the no-grad forward draws the masks a recorded
/// forward would draw, and the replay rewinds the generators to where that forward started (and puts them back
/// afterwards), so output, gradients and the generators' final state equal those of the run without checkpointing
/// — what `torch.utils.checkpoint` does by saving and restoring the RNG state.
enum LoRADropoutCheckpointing {
    /// > 0 while a checkpointed block's no-grad forward stands for a training forward.
    nonisolated(unsafe) static var trainingForwardDepth = 0

    /// True when an adapter should draw a dropout mask: gradients are recorded, or this is the no-grad forward of
    /// a checkpointed training block.
    static var drawsMasks: Bool { GradMode.isEnabled || trainingForwardDepth > 0 }

    /// The distinct dropout generators of the adapters (dropout > 0) among `layers`.
    static func sources(_ layers: [AdaptableLinear]) -> [LoRADropoutSource] {
        var seen = Set<ObjectIdentifier>(), out: [LoRADropoutSource] = []
        for layer in layers {
            guard let adapter = layer.adapter, adapter.dropout > 0, seen.insert(ObjectIdentifier(adapter.source)).inserted else { continue }
            out.append(adapter.source)
        }
        return out
    }

    /// `Variable.checkpointed([x], parameters:)` with the dropout generators `sources` replayed as described above.
    /// x: (B, T, C) -> the block's output.
    static func checkpointed(_ x: Variable, parameters: [Variable], sources: [LoRADropoutSource],
                             _ body: @escaping (Variable) throws -> Variable) throws -> Variable {
        guard !sources.isEmpty, GradMode.isEnabled else { return try Variable.checkpointed([x], parameters: parameters) { try body($0[0]) } }
        var start: [SeededGenerator]?
        return try Variable.checkpointed([x], parameters: parameters) { inputs in
            if let start {
                let now = sources.map(\.rng)
                for (source, state) in zip(sources, start) { source.rng = state }
                defer { for (source, state) in zip(sources, now) { source.rng = state } }
                return try body(inputs[0])
            }
            start = sources.map(\.rng)
            trainingForwardDepth += 1
            defer { trainingForwardDepth -= 1 }
            return try body(inputs[0])
        }
    }
}
