import TensorCore

extension Variable {
    /// y = x·W + b over the last axis, W stored [in, out]. x: (…, in), weight: (in, out), bias: (out) -> (…, out).
    public static func linear(_ x: Variable, weight: Variable, bias: Variable?) throws -> Variable {
        let y = try LinearKernel.forward(x.value, weight: weight.value, bias: bias?.value)
        return Variable.result(y, parents: [x, weight] + (bias.map { [$0] } ?? [])) { g in
            // A frozen weight needs dx = g·Wᵀ only, not the xᵀ·dy product.
            if !weight.requiresGrad && !(bias?.requiresGrad ?? false) {
                if x.requiresGrad { x.accumulate(try! Tensor.matmul(g, weight.value, transposeB: true)) }
                return
            }
            let (dx, dw, db) = LinearKernel.backward(g, x: x.value, weight: weight.value, needsInputGrad: x.requiresGrad)
            if let dx { x.accumulate(dx) }
            weight.accumulate(dw)
            bias?.accumulate(db)
        }
    }
}
