import TensorCore

extension Variable {
    /// y = x·Wᵀ + b over the last axis, W stored [out, in] (`torch.nn.Linear`). x: (…, in), weight: (out, in),
    /// bias: (out) or nil -> (…, out). See `DenseKernel`.
    public static func dense(_ x: Variable, weight: Variable, bias: Variable?) throws -> Variable {
        let y = try DenseKernel.forward(x.value, weight: weight.value, bias: bias?.value)
        return Variable.result(y, parents: [x, weight] + (bias.map { [$0] } ?? [])) { g in
            // A frozen weight (LoRA's base, e.g. the output head) needs dx = g·W only, not the dyᵀ·x product.
            if !weight.requiresGrad && !(bias?.requiresGrad ?? false) {
                if x.requiresGrad { x.accumulate(try! Tensor.matmul(g, weight.value)) }
                return
            }
            let (dx, dw, db) = DenseKernel.backward(g, x: x.value, weight: weight.value, needsInputGrad: x.requiresGrad)
            if let dx { x.accumulate(dx) }
            weight.accumulate(dw)
            bias?.accumulate(db)
        }
    }
}
