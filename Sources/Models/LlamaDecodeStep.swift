import Autograd
import TensorCore

/// One decoding step of the Llama family (batch 1, one new token) on plain tensors: no Variables, no name
/// lookups, and the projections that share an input as one matrix–vector job each (q/k/v, gate/up, see
/// `GroupedDenseKernel`), so a SmolLM2 step hands the matrix–vector helper threads 4 jobs per layer instead of 7.
/// `DecodeStepProfile` times its parts when enabled (`bench generate --breakdown`). Every kernel is the one
/// the graph path (`forwardCached` with several tokens) runs, so the logits are equal to it bit for bit.
extension Llama {
    /// Whether `decodeStep` may run: no linear layer carries a LoRA adapter or a narrowed (BF16/F16) weight,
    /// whose forward is the frozen-base op rather than a plain dense product.
    var decodesOnTensors: Bool {
        layers.allSatisfy { layer in
            let a = layer.selfAttn, m = layer.mlp
            return [a.qProj, a.kProj, a.vProj, a.oProj, m.gateProj, m.upProj, m.downProj].allSatisfy {
                $0.adapter == nil && $0.narrowedWeight == nil
            }
        }
    }

    /// Parameters of the plain model, counted without building their names (a decoding step asks every token).
    var plainParameterCount: Int {
        func count(_ d: Dense) -> Int { d.weight.value.count + (d.bias?.value.count ?? 0) }
        var total = embedTokens.value.count + (lmHead?.value.count ?? 0) + norm.weight.value.count
        for layer in layers {
            let a = layer.selfAttn, m = layer.mlp
            total += count(a.qProj) + count(a.kProj) + count(a.vProj) + count(a.oProj)
            total += count(m.gateProj) + count(m.upProj) + count(m.downProj)
            total += layer.inputLayernorm.weight.value.count + layer.postAttentionLayernorm.weight.value.count
            total += (a.qNorm?.weight.value.count ?? 0) + (a.kNorm?.weight.value.count ?? 0)
        }
        return total
    }

    /// Runs token `id` at position cache.length, appending its keys and values to the cache; returns the logits
    /// (V). The caller has checked the id, the context and the cache's capacity, and runs without a graph.
    func decodeStep(_ id: Int32, cache: inout KVCache) throws -> Tensor {
        typealias P = DecodeStepProfile
        let start = cache.length
        let (cos, sin) = RotaryTables.tables(config, start: start, count: 1)
        var x = try P.time(.embed) {
            let e = try Tensor.embedding(embedTokens.value, ids: [id], shape: [1])
            return config.isGemma ? Tensor.mul(e, Float(Double(config.hiddenSize).squareRoot())) : e
        }
        for (i, layer) in layers.enumerated() {
            let attn = layer.selfAttn, mlp = layer.mlp, heads = attn.heads
            let h = try P.time(.norms) { try normed(x, layer.inputLayernorm) }
            let bf16 = bf16DecodingWeights?.layers[i]
            let qkvBiases = [attn.qProj.bias?.value, attn.kProj.bias?.value, attn.vProj.bias?.value]
            let qkv = try P.time(.qkv) {
                try bf16.map { try BF16Matrix.groupedProducts(h, $0.qkv, biases: qkvBiases) }
                    ?? GroupedDenseKernel.forward(h, weights: [attn.qProj.weight.value, attn.kProj.weight.value, attn.vProj.weight.value],
                                                  biases: qkvBiases)
            }
            let (q, k) = try P.time(.qkNormRope) {
                var q = qkv[0], k = qkv[1]
                if let qNorm = attn.qNorm, let kNorm = attn.kNorm {
                    q = try normed(q.reshaped([1, heads.query, heads.size]), qNorm).reshaped([1, heads.query * heads.size])
                    k = try normed(k.reshaped([1, heads.keyValue, heads.size]), kNorm).reshaped([1, heads.keyValue * heads.size])
                }
                return (try RotaryEmbeddingKernel.forward(q, cos: cos, sin: sin, headDim: heads.size),
                        try RotaryEmbeddingKernel.forward(k, cos: cos, sin: sin, headDim: heads.size))
            }
            let attended = try P.time(.attention) {
                try CachedGroupedAttentionKernel.forward(q: q, k: k, v: qkv[2], heads: heads, start: start,
                                                         keys: &cache.keys[i], values: &cache.values[i])
            }
            let o = try P.time(.oProj) {
                try bf16.map { try BF16Matrix.groupedProducts(attended, [$0.o], biases: [attn.oProj.bias?.value])[0] }
                    ?? DenseKernel.forward(attended, weight: attn.oProj.weight.value, bias: attn.oProj.bias?.value)
            }
            x = try P.time(.residual) { try Tensor.add(x, o) }
            let h2 = try P.time(.norms) { try normed(x, layer.postAttentionLayernorm) }
            let guBiases = [mlp.gateProj.bias?.value, mlp.upProj.bias?.value]
            let gu = try P.time(.gateUp) {
                try bf16.map { try BF16Matrix.groupedProducts(h2, $0.gateUp, biases: guBiases) }
                    ?? GroupedDenseKernel.forward(h2, weights: [mlp.gateProj.weight.value, mlp.upProj.weight.value], biases: guBiases)
            }
            let act = try P.time(.activation) { try GatedActivationKernel.forward(gate: gu[0], up: gu[1], activation: mlp.activation) }
            let down = try P.time(.down) {
                try bf16.map { try BF16Matrix.groupedProducts(act, [$0.down], biases: [mlp.downProj.bias?.value])[0] }
                    ?? DenseKernel.forward(act, weight: mlp.downProj.weight.value, bias: mlp.downProj.bias?.value)
            }
            x = try P.time(.residual) { try Tensor.add(x, down) }
        }
        cache.length += 1
        let logits = try P.time(.head) {
            let last = try normed(x, norm)
            return try bf16DecodingWeights.map { try BF16Matrix.groupedProducts(last, [$0.head], biases: [nil])[0] }
                ?? DenseKernel.forward(last, weight: (lmHead ?? embedTokens).value, bias: nil)
        }
        if P.enabled { P.steps += 1 }
        return try logits.reshaped([config.vocabSize])
    }

    /// Makes one-token steps read BF16 copies of the projections and head (a snapshot: call again after the
    /// weights change). Multi-token prompts and LoRA models keep the F32 weights.
    public func useBF16WeightsForDecoding() throws { bf16DecodingWeights = try LlamaBF16Weights(self) }

    /// x through `norm`'s RMSNorm, as the module applies it.
    private func normed(_ x: Tensor, _ norm: RMSNorm) throws -> Tensor {
        try x.rmsNorm(weight: norm.weight.value, eps: norm.eps, unitOffset: norm.unitOffset).output
    }
}
