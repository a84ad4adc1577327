import TensorCore

extension Variable {
    /// y = x·Wᵀ + b over the last axis, W stored [out, in] (`torch.nn.Linear`). x: (…, in), weight: (out, in),
    /// bias: (out) or nil -> (…, out). See `DenseKernel`.
    public static func dense(_ x: Variable, weight: Variable, bias: Variable?) throws -> Variable {
        let y = try DenseKernel.forward(x.value, weight: weight.value, bias: bias?.value)
        return Variable.result(y, parents: [x, weight] + (bias.map { [$0] } ?? [])) { g in
            let (dx, dw, db) = DenseKernel.backward(g, x: x.value, weight: weight.value, needsInputGrad: x.requiresGrad)
            if let dx { x.accumulate(dx) }
            weight.accumulate(dw)
            bias?.accumulate(db)
        }
    }
}
