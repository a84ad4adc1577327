import ArgumentParser
import Models

/// `--weights` of `generate`: the element type one-token decoding steps read their projections and head in.
/// BF16 halves the bytes a bandwidth-bound step streams; its logits differ from F32 by the weights' rounding
/// (docs/benchmarks.md, Session 5), so it is never the default.
struct DecodingWeightsOption: ParsableArguments {
    @Option(help: "Decoding weights: f32 (default) or bf16 (Llama family: BF16 copies of the projections and head, half the bytes per token).")
    var weights = "f32"

    func validate() throws {
        guard weights == "f32" || weights == "bf16" else {
            throw ValidationError("--weights must be f32 or bf16, not \(weights)")
        }
    }

    /// Gives `model` BF16 decoding weights when asked for; a model outside the Llama family is refused.
    func apply(to model: any CausalLanguageModel, path: String) throws {
        guard weights == "bf16" else { return }
        guard let llama = model as? Llama else {
            throw CLIError("\(path): --weights bf16 needs a Llama-family model (this one is \(type(of: model)))")
        }
        try llama.useBF16WeightsForDecoding()
    }
}
