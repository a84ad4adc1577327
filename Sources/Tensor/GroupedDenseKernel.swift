import CKernels

/// Several `DenseKernel` projections of one row that share their input (a decoding step's q/k/v, gate/up) as one
/// matrix–vector job (`ck_sgemv_group`): one hand-off to the GEMM pool instead of one per weight, and each
/// output equal to `DenseKernel.forward`'s bit for bit (the same per-row kernel and summation order).
public enum GroupedDenseKernel {
    /// x: (in) or (1, in); weights[g]: (out_g, in), biases[g]: (out_g) or nil -> [(out_g)] (or [(1, out_g)] for a
    /// (1, in) input). Without our GEMV on this CPU, one `DenseKernel.forward` per weight.
    public static func forward(_ x: Tensor, weights: [Tensor], biases: [Tensor?]) throws -> [Tensor] {
        guard biases.count == weights.count else {
            throw TensorError.invalidArgument(op: "grouped dense", "\(weights.count) weights but \(biases.count) biases")
        }
        let nIn = x.shape.last ?? 0
        guard x.count == nIn, x.rank >= 1, x.rank <= 2 else {
            throw TensorError.shapeMismatch(op: "grouped dense", "input \(x.shape) is not one row")
        }
        for (w, b) in zip(weights, biases) {
            guard w.rank == 2, w.shape[1] == nIn else {
                throw TensorError.shapeMismatch(op: "grouped dense", "input \(x.shape) does not fit weight \(w.shape) ([out, in])")
            }
            if let b, b.shape != [w.shape[0]] {
                throw TensorError.shapeMismatch(op: "grouped dense", "bias \(b.shape) does not fit weight \(w.shape)")
            }
        }
        guard let variant = BLAS.ownGemvVariant, !weights.isEmpty else {
            return try zip(weights, biases).map { try DenseKernel.forward(x, weight: $0, bias: $1) }
        }
        let lead = Array(x.shape.dropLast())
        let outputs = weights.map { Tensor(uninitializedShape: lead + [$0.shape[0]]) }
        // Storage pointers are stable for a tensor's lifetime; `outputs` are fresh, so writing them copies nothing.
        let rows = weights.map { $0.shape[0] }
        let weightPointers: [UnsafePointer<Float>?] = weights.map { UnsafePointer($0.storage.pointer) }
        let biasPointers: [UnsafePointer<Float>?] = biases.map { $0.map { UnsafePointer($0.storage.pointer) } }
        let outputPointers: [UnsafeMutablePointer<Float>?] = outputs.map { $0.storage.pointer }
        let status = withExtendedLifetime((weights, biases, outputs)) {
            ck_sgemv_group(variant, Int32(BLAS.threads), Int32(weights.count), rows, nIn, weightPointers,
                           biasPointers, UnsafePointer(x.storage.pointer), outputPointers)
        }
        guard status == 0 else {
            return try zip(weights, biases).map { try DenseKernel.forward(x, weight: $0, bias: $1) }
        }
        return outputs
    }
}
