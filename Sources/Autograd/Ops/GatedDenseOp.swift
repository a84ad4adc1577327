import TensorCore

extension Variable {
    /// residual + down(act(gate) ⊙ up) as one node (a gated MLP's down projection and the block's residual add):
    /// the product act(gate) ⊙ up, (…, I), is made again from gate and up in the backward for down's dW instead
    /// of being kept from the forward (9.4 MB per SmolLM2 layer and step), and down's own output is never kept.
    /// Same kernels on the same values, so the same floats as the unfused `gated`, `dense` and `+` (adding the
    /// residual in place onto the product gives the separate add's floats: IEEE addition commutes).
    /// gate, up: (…, I), weight: (out, I), bias: (out) or nil, residual: (…, out) -> (…, out).
    public static func gatedDense(gate: Variable, up: Variable, activation: GateActivation, weight: Variable, bias: Variable?,
                                  residual: Variable) throws -> Variable {
        var y = try DenseKernel.forward(GatedActivationKernel.forward(gate: gate.value, up: up.value, activation: activation),
                                        weight: weight.value, bias: bias?.value)
        try addResidual(residual, into: &y)
        return Variable.result(y, parents: [residual, gate, up, weight] + (bias.map { [$0] } ?? [])) { g in
            residual.accumulate(g)
            let product = try! GatedActivationKernel.forward(gate: gate.value, up: up.value, activation: activation)
            let (dx, dw, db) = DenseKernel.backward(g, x: product, weight: weight.value, needsInputGrad: gate.requiresGrad || up.requiresGrad)
            weight.accumulate(dw)
            bias?.accumulate(db)
            guard let dx else { return }
            let d = GatedActivationKernel.backward(dx, gate: gate.value, up: up.value, activation: activation)
            gate.accumulate(d.gate)
            up.accumulate(d.up)
        }
    }

    /// y += residual, elementwise, for the fused projections that end a block's halves; the shapes must be equal
    /// (no broadcasting here).
    static func addResidual(_ residual: Variable, into y: inout Tensor) throws {
        guard residual.shape == y.shape else {
            throw TensorError.shapeMismatch(op: "residual dense", "residual \(residual.shape) does not fit the projection's output \(y.shape)")
        }
        y.add(residual.value)
    }
}
