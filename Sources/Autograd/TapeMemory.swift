/// Switches for how much of a training step's activations the tape keeps alive. Neither changes a number:
/// losses, gradients and weights stay bit-identical with them on or off. Off, they give back the tape as it was
/// before (every saved tensor alive until the whole graph is dropped, every intermediate of a Llama block
/// kept), for A/B measurements of memory and time and for the tests that prove the results identical.
public enum TapeMemory {
    /// `backward()` frees each node's pullback, with the tensors it saved, and its links to its parents as soon
    /// as the node has been back-propagated (PyTorch's default, `retain_graph=False`), so a step's activations
    /// are given back layer by layer while the gradients are being made instead of all together at its end.
    public nonisolated(unsafe) static var releasesGraph = true

    /// Llama-family blocks run fused ops that recompute cheap intermediates in the backward instead of keeping
    /// them: the rotated q and k and the attention probabilities (re-derived from q, k and v), the SwiGLU product
    /// that down_proj multiplies (re-derived from gate and up), and the outputs of o_proj and down_proj before the
    /// residual add (never needed: the add is folded into the projection).
    public nonisolated(unsafe) static var recomputesInBlocks = true
}
