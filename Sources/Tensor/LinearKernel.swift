import CKernels
import COpenBLAS

/// An affine map over the last axis, y = x·W + b, with W stored [in, out] (Hugging Face's Conv1D layout).
///
/// All leading axes are folded into the GEMM's M, so a (B, T, C) activation costs one `cblas_sgemm`
/// forward and two backward, whatever B and T are.
public enum LinearKernel {
    /// x: (…, in), weight: (in, out), bias: (out) or nil -> (…, out).
    public static func forward(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        let (rows, nIn, nOut) = try dims(x, weight, bias)
        var y = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [nOut])
        x.withUnsafeBufferPointer { px in weight.withUnsafeBufferPointer { pw in y.withUnsafeMutableBufferPointer { py in
            let beta: Float
            if let bias {
                // The bias is copied into every row and the GEMM adds onto it (beta 1): one pass over y, split
                // over the cores, instead of a separate add pass after the product.
                bias.withUnsafeBufferPointer { pb in
                    Parallel.forRows(rows, costPerRow: nOut) { range in
                        for r in range { (py.baseAddress! + r * nOut).update(from: pb.baseAddress!, count: nOut) }
                    }
                }
                beta = 1
            } else { beta = 0 }
            if rows == 1 {
                // One row (decoding): a matrix–vector product (ours or cblas_sgemv by BLAS's rule) is several times faster than sgemm with M = 1.
                BLAS.vectorGemm(px.baseAddress!, lda: nIn, pw.baseAddress!, ldb: nOut, py.baseAddress!, ldc: nOut,
                                m: 1, n: nOut, k: nIn, transA: false, transB: false, alpha: 1, beta: beta)
            } else {
                BLAS.gemm(px.baseAddress!, pw.baseAddress!, py.baseAddress!, m: rows, n: nOut, k: nIn, beta: beta)
            }
        } } }
        return y
    }

    /// dy: (…, out) -> dx: (…, in), dweight: (in, out) = xᵀ·dy, dbias: (out) = Σ_rows dy.
    public static func backward(_ dy: Tensor, x: Tensor, weight: Tensor, needsInputGrad: Bool = true)
        -> (dx: Tensor?, dweight: Tensor, dbias: Tensor) {
        let nIn = weight.shape[0], nOut = weight.shape[1]
        let rows = x.count / nIn
        var dw = Tensor(uninitializedShape: [nIn, nOut])
        var db = Tensor(uninitializedShape: [nOut])
        var dx: Tensor? = needsInputGrad ? Tensor(uninitializedShape: x.shape) : nil
        dy.withUnsafeBufferPointer { pdy in x.withUnsafeBufferPointer { px in
            dw.withUnsafeMutableBufferPointer { pdw in
                BLAS.gemm(px.baseAddress!, pdy.baseAddress!, pdw.baseAddress!, m: nIn, n: nOut, k: rows, transA: true)
            }
            db.withUnsafeMutableBufferPointer { pdb in columnSums(pdy.baseAddress!, rows: rows, columns: nOut, into: pdb.baseAddress!) }
            if dx != nil {
                weight.withUnsafeBufferPointer { pw in dx!.withUnsafeMutableBufferPointer { pdx in
                    BLAS.gemm(pdy.baseAddress!, pw.baseAddress!, pdx.baseAddress!, m: rows, n: nIn, k: nOut, transB: true)
                } }
            }
        } }
        return (dx, dw, db)
    }

    /// out[j] = Σ_r m[r, j] for a row-major (rows, columns) matrix. The columns are split over the cores (each
    /// core reads every row's slice of its columns, contiguous and vectorisable), so the sums need no merge and
    /// are the same for any core count. With the C row kernels on, each chunk's sums stay in vector registers
    /// down all the rows (the Swift loop reads and writes `out` once per row, 4 lanes wide); both add every
    /// column's rows in the same order, so the bits agree.
    static func columnSums(_ m: UnsafePointer<Float>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>) {
        // Chunks of whole cache lines (16 floats), so two cores never write the same line of `out`.
        let lines = (columns + 15) / 16
        let kernels = VectorKernels.rowKernels
        Parallel.forRows(lines, costPerRow: 16 * rows) { range in
            let lo = range.lowerBound * 16, hi = min(columns, range.upperBound * 16)
            let o = out + lo, n = hi - lo
            switch kernels {
            case .avx512?: ck_column_sums_avx512(m + lo, rows, columns, n, o); return
            case .avx2?: ck_column_sums_avx2(m + lo, rows, columns, n, o); return
            case nil: break
            }
            o.update(repeating: 0, count: n)
            for r in 0..<rows {
                let row = m + r * columns + lo
                for j in 0..<n { o[j] += row[j] }
            }
        }
    }

    private static func dims(_ x: Tensor, _ w: Tensor, _ b: Tensor?) throws -> (Int, Int, Int) {
        guard w.rank == 2, x.rank >= 1, x.shape.last == w.shape[0] else {
            throw TensorError.shapeMismatch(op: "linear", "input \(x.shape) does not fit weight \(w.shape) ([in, out])")
        }
        if let b, b.shape != [w.shape[1]] {
            throw TensorError.shapeMismatch(op: "linear", "bias \(b.shape) does not fit weight \(w.shape)")
        }
        return (x.count / w.shape[0], w.shape[0], w.shape[1])
    }
}
