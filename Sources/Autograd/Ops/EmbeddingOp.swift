import TensorCore

extension Variable {
    /// Rows of `weight` picked by `ids`. weight: (V, C), ids: `shape` (row-major) -> (shape…, C).
    ///
    /// The backward scatter-adds g straight into `weight.grad` (repeated ids add up), so a large vocabulary
    /// costs no (V, C) temporary per step. Throws for a non-2-D weight, ids that do not fill `shape`, or an id
    /// outside 0..<V (the message names the id and V).
    public static func embedding(weight: Variable, ids: [Int32], shape: [Int]) throws -> Variable {
        let y = try Tensor.embedding(weight.value, ids: ids, shape: shape)
        return Variable.result(y, parents: [weight]) { g in
            guard weight.requiresGrad else { return }
            if weight.grad == nil { weight.grad = Tensor.zeros(weight.shape) }
            try! Tensor.embeddingBackward(g, ids: ids, into: &weight.grad!)
        }
    }
}
