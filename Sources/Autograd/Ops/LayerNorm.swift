import TensorCore

extension Variable {
    /// Layer normalisation over the last axis with a learned scale and shift; the forward keeps the row mean
    /// and rstd for the backward. x: (…, C), weight: (C), bias: (C) -> (…, C).
    public func layerNorm(weight: Variable, bias: Variable, eps: Float = 1e-5) throws -> Variable {
        let x = value
        let r = try x.layerNorm(weight: weight.value, bias: bias.value, eps: eps)
        return Variable.result(r.output, parents: [self, weight, bias]) { dy in
            let g = Tensor.layerNormBackward(gradOutput: dy, input: x, weight: weight.value, mean: r.mean, rstd: r.rstd)
            self.accumulate(g.input)
            weight.accumulate(g.weight)
            bias.accumulate(g.bias)
        }
    }
}
