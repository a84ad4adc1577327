import COpenBLAS

/// Matrix products, all through `cblas_sgemm`.
public enum BLAS {
    /// C[M,N] = alpha · op(A) · op(B) + beta · C on raw row-major buffers, where op(A) is [M,K] and op(B) is [K,N].
    /// `transA` means A is stored [K,M]; `transB` means B is stored [N,K].
    @inlinable
    public static func gemm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                            m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false,
                            alpha: Float = 1, beta: Float = 0) {
        cblas_sgemm(CblasRowMajor,
                    transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(transA ? m : k), b, Int32(transB ? k : n), beta, c, Int32(n))
    }

    /// The same product on sub-matrices: `lda`, `ldb`, `ldc` are the row strides (in elements) of the stored A, B
    /// and C, so a head's slice of a fused QKV activation can be used in place.
    @inlinable
    public static func gemm(_ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                            _ c: UnsafeMutablePointer<Float>, ldc: Int,
                            m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false,
                            alpha: Float = 1, beta: Float = 0) {
        cblas_sgemm(CblasRowMajor,
                    transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Runs `body` with OpenBLAS on `n` threads, then restores the previous count. Used around loops that
    /// already spread small products over the cores themselves, so the two thread pools do not fight.
    public static func withThreads<R>(_ n: Int, _ body: () throws -> R) rethrows -> R {
        let saved = threads
        if saved != n { setThreads(n) }
        defer { if saved != n { setThreads(saved) } }
        return try body()
    }

    /// Sets the number of OpenBLAS threads (per-head attention products are too small to split).
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }

    /// The number of threads OpenBLAS uses.
    public static var threads: Int { Int(openblas_get_num_threads()) }
}

extension Tensor {
    /// Matrix product of the last two axes, optionally transposing either operand first.
    ///
    /// a: (…, M, K) [or (…, K, M) with transposeA], b: (…, K, N) [or (…, N, K) with transposeB] -> (…, M, N).
    /// Leading (batch) axes must match, or `b` may be 2-D and is then shared by every batch entry
    /// (one large GEMM instead of many small ones when A is not transposed).
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) throws -> Tensor {
        guard a.rank >= 2, b.rank >= 2 else {
            throw TensorError.shapeMismatch(op: "matmul", "operands need rank >= 2, got \(a.shape) and \(b.shape)")
        }
        let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let (m, k) = transposeA ? (ac, ar) : (ar, ac)
        let (k2, n) = transposeB ? (bc, br) : (br, bc)
        guard k == k2 else {
            throw TensorError.shapeMismatch(op: "matmul", "inner extents differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
        }
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch = batchA.reduce(1, *)
        if b.rank == 2 && !transposeA {
            // Shared right operand: fold the batch into M.
            var out = Tensor(uninitializedShape: batchA + [m, n])
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in out.withUnsafeMutableBufferPointer { pc in
                BLAS.gemm(pa.baseAddress!, pb.baseAddress!, pc.baseAddress!, m: batch * m, n: n, k: k, transB: transposeB)
            } } }
            return out
        }
        guard batchA == batchB || b.rank == 2 else {
            throw TensorError.shapeMismatch(op: "matmul", "batch axes differ: \(batchA) vs \(batchB)")
        }
        var out = Tensor(uninitializedShape: batchA + [m, n])
        let strideB = b.rank == 2 ? 0 : k * n
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in out.withUnsafeMutableBufferPointer { pc in
            for i in 0..<batch {
                BLAS.gemm(pa.baseAddress! + i * m * k, pb.baseAddress! + i * strideB, pc.baseAddress! + i * m * n,
                          m: m, n: n, k: k, transA: transposeA, transB: transposeB)
            }
        } } }
        return out
    }
}
