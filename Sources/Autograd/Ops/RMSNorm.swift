import TensorCore

extension Variable {
    /// RMS normalisation over the last axis with a learned scale (`unitOffset`: scale by 1 + weight, Gemma);
    /// the forward keeps each row's rstd for the backward. x: (…, C), weight: (C) -> (…, C).
    public func rmsNorm(weight: Variable, eps: Float, unitOffset: Bool = false) throws -> Variable {
        let x = value
        let r = try x.rmsNorm(weight: weight.value, eps: eps, unitOffset: unitOffset)
        return Variable.result(r.output, parents: [self, weight]) { dy in
            let g = Tensor.rmsNormBackward(gradOutput: dy, input: x, weight: weight.value, rstd: r.rstd, unitOffset: unitOffset)
            self.accumulate(g.input)
            weight.accumulate(g.weight)
        }
    }
}
