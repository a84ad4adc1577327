import TensorCore

extension Variable {
    /// Rotary position embedding (rotate-half) of every head; cos/sin are constants. x: (…, T, H·D),
    /// cos, sin: (T, D/2) -> (…, T, H·D). See `RotaryEmbeddingKernel`.
    public func rotaryEmbedding(cos: Tensor, sin: Tensor, headDim: Int) throws -> Variable {
        let y = try RotaryEmbeddingKernel.forward(value, cos: cos, sin: sin, headDim: headDim)
        return Variable.result(y, parents: [self]) { g in
            self.accumulate(try! RotaryEmbeddingKernel.backward(g, cos: cos, sin: sin, headDim: headDim))
        }
    }
}
