import TensorCore

/// BF16 copies of a Llama model's projections and output head, for decoding only (`generate --weights bf16`,
/// `bench generate --weights bf16`): `decodeStep` then streams half the bytes per token. A snapshot of the
/// weights when made; the F32 weights stay the model's (training, saving and multi-token prompts use them).
public final class LlamaBF16Weights {
    /// One decoder layer's products: q/k/v and gate/up grouped as the step runs them.
    struct Layer {
        let qkv: [BF16Matrix]
        let o: BF16Matrix
        let gateUp: [BF16Matrix]
        let down: BF16Matrix
    }

    let layers: [Layer]
    /// `lm_head`, or the tied embedding.
    let head: BF16Matrix

    /// Rounds every projection of `model` and its head to BF16.
    public init(_ model: Llama) throws {
        layers = try model.layers.map { l in
            let a = l.selfAttn, m = l.mlp
            return Layer(qkv: try [a.qProj, a.kProj, a.vProj].map { try BF16Matrix($0.weight.value) },
                         o: try BF16Matrix(a.oProj.weight.value),
                         gateUp: try [m.gateProj, m.upProj].map { try BF16Matrix($0.weight.value) },
                         down: try BF16Matrix(m.downProj.weight.value))
        }
        head = try BF16Matrix((model.lmHead ?? model.embedTokens).value)
    }

    /// Bytes of BF16 weights a decoding step reads.
    public var byteCount: Int {
        head.byteCount + layers.reduce(0) { total, l in
            total + l.qkv.reduce(0) { $0 + $1.byteCount } + l.o.byteCount + l.gateUp.reduce(0) { $0 + $1.byteCount } + l.down.byteCount
        }
    }
}
