import COpenBLAS

/// An affine map over the last axis with the weight stored [out, in] (`torch.nn.Linear`'s layout):
/// y = x·Wᵀ + b. Leading axes fold into the GEMM's M, so a (B, T, C) activation is one `cblas_sgemm` forward and
/// two backward; a single row (decoding) is a matrix–vector product.
public enum DenseKernel {
    /// x: (…, in), weight: (out, in), bias: (out) or nil -> (…, out).
    public static func forward(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        guard weight.rank == 2, x.rank >= 1, x.shape.last == weight.shape[1] else {
            throw TensorError.shapeMismatch(op: "dense", "input \(x.shape) does not fit weight \(weight.shape) ([out, in])")
        }
        let nOut = weight.shape[0], nIn = weight.shape[1], rows = x.count / nIn
        if let bias, bias.shape != [nOut] {
            throw TensorError.shapeMismatch(op: "dense", "bias \(bias.shape) does not fit weight \(weight.shape)")
        }
        var y = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [nOut])
        x.withUnsafeBufferPointer { px in weight.withUnsafeBufferPointer { pw in y.withUnsafeMutableBufferPointer { py in
            var beta: Float = 0
            if let bias {
                // The bias is copied into every row and the product added onto it (beta 1): no second pass.
                bias.withUnsafeBufferPointer { pb in
                    Parallel.forRows(rows, costPerRow: nOut) { range in
                        for r in range { (py.baseAddress! + r * nOut).update(from: pb.baseAddress!, count: nOut) }
                    }
                }
                beta = 1
            }
            if rows == 1 {
                // One row (decoding): a matrix–vector product, ours or cblas_sgemv by BLAS's rule.
                BLAS.vectorGemm(px.baseAddress!, lda: nIn, pw.baseAddress!, ldb: nIn, py.baseAddress!, ldc: nOut,
                                m: 1, n: nOut, k: nIn, transA: false, transB: true, alpha: 1, beta: beta)
            } else if rows > 0 {
                BLAS.gemm(px.baseAddress!, pw.baseAddress!, py.baseAddress!, m: rows, n: nOut, k: nIn, transB: true, beta: beta)
            }
        } } }
        return y
    }

    /// dy: (…, out) -> dx: (…, in) = dy·W, dweight: (out, in) = dyᵀ·x, dbias: (out) = Σ_rows dy.
    public static func backward(_ dy: Tensor, x: Tensor, weight: Tensor, needsInputGrad: Bool = true)
        -> (dx: Tensor?, dweight: Tensor, dbias: Tensor) {
        let nOut = weight.shape[0], nIn = weight.shape[1], rows = x.count / nIn
        var dw = Tensor(uninitializedShape: [nOut, nIn]), db = Tensor(uninitializedShape: [nOut])
        var dx: Tensor? = needsInputGrad ? Tensor(uninitializedShape: x.shape) : nil
        dy.withUnsafeBufferPointer { pdy in x.withUnsafeBufferPointer { px in
            dw.withUnsafeMutableBufferPointer { pdw in
                BLAS.gemm(pdy.baseAddress!, px.baseAddress!, pdw.baseAddress!, m: nOut, n: nIn, k: rows, transA: true)
            }
            db.withUnsafeMutableBufferPointer { pdb in
                LinearKernel.columnSums(pdy.baseAddress!, rows: rows, columns: nOut, into: pdb.baseAddress!)
            }
            if dx != nil {
                weight.withUnsafeBufferPointer { pw in dx!.withUnsafeMutableBufferPointer { pdx in
                    BLAS.gemm(pdy.baseAddress!, pw.baseAddress!, pdx.baseAddress!, m: rows, n: nIn, k: nOut)
                } }
            }
        } }
        return (dx, dw, db)
    }
}
