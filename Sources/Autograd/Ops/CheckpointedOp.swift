import TensorCore

extension Variable {
    /// Activation checkpointing: runs `body` on `inputs` without recording a graph, so none of its inner
    /// activations are kept, and records one node whose backward re-runs `body` with recording on fresh copies of
    /// the inputs and back-propagates through that graph at once. Memory falls from every activation of `body` to
    /// its inputs and output, for one extra forward of `body` in the backward.
    ///
    /// `parameters` are the trainable leaves `body` reads (they receive their gradients from the re-run graph);
    /// they are listed so the node is recorded even when no input needs a gradient (frozen embeddings, adapters).
    /// `body` must be deterministic: it runs twice and the backward assumes the same result.
    ///
    /// inputs: any shapes -> body's output. Without gradient recording (no-grad, inference) it is just `body(inputs)`.
    public static func checkpointed(_ inputs: [Variable], parameters: [Variable],
                                    _ body: @escaping ([Variable]) throws -> Variable) throws -> Variable {
        guard GradMode.isEnabled, (inputs + parameters).contains(where: { $0.requiresGrad }) else { return try body(inputs) }
        let output = try withNoGrad { try body(inputs) }.value
        return Variable.result(output, parents: inputs + parameters) { g in
            let saved = GradMode.enabledFlag
            GradMode.enabledFlag = true
            defer { GradMode.enabledFlag = saved }
            let leaves = inputs.map { Variable($0.value, requiresGrad: $0.requiresGrad) }
            let replay: Variable
            do { replay = try body(leaves) } catch {
                // The same body on the same values succeeded in the forward; failing now is a bug, not bad input.
                preconditionFailure("checkpointed: re-running the forward in the backward failed: \(error)")
            }
            if replay.requiresGrad { replay.backward(seed: g) }
            for (input, leaf) in zip(inputs, leaves) { if let dx = leaf.grad { input.accumulate(dx) } }
        }
    }
}
