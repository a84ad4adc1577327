import CKernels

/// LoRA's rank-r products, with the rank as the vector lanes (CKernels `ck_lowrank_*`, see lowrank_kernels.h):
/// each streams its large operand once while the rank-r matrix stays in cache. As general SGEMMs they have
/// M or N = r, and a packed GEMM spends as long copying the large operand into panels as multiplying it (our GEMM
/// ran them at 9–35 GFLOP/s inside a smollm2-135m LoRA step against ~150 for the layer's own product, and they
/// took as long as the weight gradients LoRA saves). Rows are split over the cores; without AVX2 (or with the
/// row kernels switched off, `VectorKernels.rowKernels` nil) the same products go to `BLAS.gemm`. The results
/// agree with SGEMM's to float rounding (the sums run in another order). All matrices are row-major.
public enum LowRankKernel {
    /// out (rows, r) = alpha · in (rows, k; row stride `ldIn`) · m (k, r).
    public static func project(_ input: UnsafePointer<Float>, ldIn: Int, rows: Int, k: Int, _ m: UnsafePointer<Float>, r: Int,
                               alpha: Float = 1, into out: UnsafeMutablePointer<Float>) {
        guard rows > 0, r > 0 else { return }
        guard let variant = VectorKernels.rowKernels, k > 0 else {
            BLAS.gemm(input, lda: ldIn, m, ldb: r, out, ldc: r, m: rows, n: r, k: k, alpha: alpha)
            return
        }
        Parallel.forRows(rows, costPerRow: k * r / 4) { range in
            let (i, n) = (range.lowerBound, range.count)
            switch variant {
            case .avx512: ck_lowrank_project_avx512(input + i * ldIn, ldIn, m, k, r, alpha, out + i * r, n)
            case .avx2: ck_lowrank_project_avx2(input + i * ldIn, ldIn, m, k, r, alpha, out + i * r, n)
            }
        }
    }

    /// out (k, r) = alpha · inᵀ · v + beta · out for in (rows, k; row stride `ldIn`), v (rows, r): a gradient of the
    /// rank-r factor, summed over the rows. With beta = 0, out is only written.
    public static func reduce(_ input: UnsafePointer<Float>, ldIn: Int, rows: Int, k: Int, _ v: UnsafePointer<Float>, r: Int,
                              alpha: Float = 1, beta: Float = 0, into out: UnsafeMutablePointer<Float>) {
        guard k > 0, r > 0 else { return }
        guard let variant = VectorKernels.rowKernels, rows > 0 else {
            BLAS.gemm(input, lda: ldIn, v, ldb: r, out, ldc: r, m: k, n: r, k: rows, transA: true, alpha: alpha, beta: beta)
            return
        }
        // Split along k (the result's rows), so that no two threads add into one element.
        Parallel.forRows(k, costPerRow: rows * r / 4) { range in
            let (q, n) = (range.lowerBound, range.count)
            switch variant {
            case .avx512: ck_lowrank_reduce_avx512(input + q, ldIn, v, rows, r, alpha, beta, out + q * r, n)
            case .avx2: ck_lowrank_reduce_avx2(input + q, ldIn, v, rows, r, alpha, beta, out + q * r, n)
            }
        }
    }

    /// out (rows, n) = base + alpha · p (rows, r) · q (r, n), with base (rows, n) or nil for zero; `base` may be
    /// `out` (added in place).
    public static func expand(base: UnsafePointer<Float>?, _ p: UnsafePointer<Float>, _ q: UnsafePointer<Float>, r: Int,
                              alpha: Float = 1, into out: UnsafeMutablePointer<Float>, rows: Int, n: Int) {
        guard rows > 0, n > 0 else { return }
        guard let variant = VectorKernels.rowKernels, r > 0 else {
            if let base { if base != UnsafePointer(out) { out.update(from: base, count: rows * n) } }
            else { out.update(repeating: 0, count: rows * n) }
            if r > 0 { BLAS.gemm(p, q, out, m: rows, n: n, k: r, alpha: alpha, beta: 1) }
            return
        }
        Parallel.forRows(rows, costPerRow: n * r / 4) { range in
            let (i, m) = (range.lowerBound, range.count)
            let b = base.map { $0 + i * n }
            switch variant {
            case .avx512: ck_lowrank_expand_avx512(b, p + i * r, q, r, alpha, out + i * n, m, n)
            case .avx2: ck_lowrank_expand_avx2(b, p + i * r, q, r, alpha, out + i * n, m, n)
            }
        }
    }
}
