import CKernels
import COpenBLAS

/// Matrix products: our packed AVX-512 / AVX2 SGEMM (CKernels `ck_sgemm`) or OpenBLAS's `cblas_sgemm`, per
/// product by `backend` and the rule in `usesOwnGemm(m:n:k:)`.
public enum BLAS {
    /// C[M,N] = alpha · op(A) · op(B) + beta · C on raw row-major buffers, where op(A) is [M,K] and op(B) is [K,N].
    /// `transA` means A is stored [K,M]; `transB` means B is stored [N,K].
    @inlinable
    public static func gemm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                            m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false,
                            alpha: Float = 1, beta: Float = 0) {
        gemm(a, lda: transA ? m : k, b, ldb: transB ? k : n, c, ldc: n, m: m, n: n, k: k,
             transA: transA, transB: transB, alpha: alpha, beta: beta)
    }

    /// The same product on sub-matrices: `lda`, `ldb`, `ldc` are the row strides (in elements) of the stored A, B
    /// and C, so a head's slice of a fused QKV activation can be used in place.
    public static func gemm(_ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                            _ c: UnsafeMutablePointer<Float>, ldc: Int,
                            m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false,
                            alpha: Float = 1, beta: Float = 0) {
        if backend == .automatic, m == 1 || n == 1, k > 0 {
            vectorGemm(a, lda: lda, b, ldb: ldb, c, ldc: ldc, m: m, n: n, k: k,
                       transA: transA, transB: transB, alpha: alpha, beta: beta)
            return
        }
        if let variant = ownVariant(m: m, n: n, k: k),
           ck_sgemm(variant, Int32(threads), transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha,
                    a, lda, b, ldb, beta, c, ldc) == 0 {
            return
        }
        openBLASGemm(a, lda: lda, b, ldb: ldb, c, ldc: ldc, m: m, n: n, k: k,
                     transA: transA, transB: transB, alpha: alpha, beta: beta)
    }

    /// A product with one row or one column of C as a matrix–vector product: ours (`ck_sgemv`) where
    /// `ownGemvVariant` names one, else `cblas_sgemv`. With M = 1 (a decoding step's head, one token against a
    /// 49152 × 576 embedding) `cblas_sgemm` packs the whole weight matrix on every call, reading and writing it
    /// once more than the product needs; a matrix–vector kernel streams it once.
    /// m == 1 or n == 1, k ≥ 1; with beta = 0, C is never read.
    static func vectorGemm(_ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                           _ c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, n: Int, k: Int,
                           transA: Bool, transB: Bool, alpha: Float, beta: Float) {
        vectorGemm(a, lda: lda, b, ldb: ldb, c, ldc: ldc, m: m, n: n, k: k, transA: transA, transB: transB,
                   alpha: alpha, beta: beta, variant: ownGemvVariant)
    }

    /// The same with the kernel named: a `ck_sgemv` variant, or nil for `cblas_sgemv` (tests pin each one).
    static func vectorGemm(_ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                           _ c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, n: Int, k: Int,
                           transA: Bool, transB: Bool, alpha: Float, beta: Float, variant: Int32?) {
        if variant == nil { OpenBLASWorkers.configure() }
        if m == 1 {
            // C row (1, n) = x (1, k) · op(B); x's elements are a[p · lda] when A is stored (k, 1).
            let incX = transA ? lda : 1
            // B stored (n, k): one dot product per row of B; stored (k, n): the axpy form.
            if let variant,
               ck_sgemv(variant, Int32(threads), transB ? 0 : 1, transB ? n : k, transB ? k : n, alpha,
                        b, ldb, a, incX, beta, c, 1) == 0 { return }
            if beta == 0 { c.update(repeating: 0, count: n) }
            if transB {
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), alpha, b, Int32(ldb), a, Int32(incX), beta, c, 1)
            } else {
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), alpha, b, Int32(ldb), a, Int32(incX), beta, c, 1)
            }
        } else {
            // C column (m, 1), stride ldc, = op(A) · y (k, 1); y's elements are b[p · ldb] when B is stored (k, 1).
            let incY = transB ? 1 : ldb
            // A stored (m, k): one dot product per row of A; stored (k, m): the axpy form.
            if let variant,
               ck_sgemv(variant, Int32(threads), transA ? 1 : 0, transA ? k : m, transA ? m : k, alpha,
                        a, lda, b, incY, beta, c, ldc) == 0 { return }
            if beta == 0 { for i in 0..<m { c[i * ldc] = 0 } }
            if transA {
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(m), alpha, a, Int32(lda), b, Int32(incY), beta, c, Int32(ldc))
            } else {
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(k), alpha, a, Int32(lda), b, Int32(incY), beta, c, Int32(ldc))
            }
        }
    }

    /// The `ck_sgemv` variant `vectorGemm` runs under the automatic rule, or nil for `cblas_sgemv`.
    /// Settable so that `bench generate --gemv openblas` times the OpenBLAS side in the same binary.
    nonisolated(unsafe) public static var ownGemvVariant: Int32? = usesOwnGemv(own: bestOwnVariant) ? bestOwnVariant : nil

    /// The automatic rule for matrix–vector products: ours with the widest vectors this CPU runs, whatever
    /// OpenBLAS's kernels. Beside SSE kernels (Prescott) OpenBLAS's `sgemv_t_PRESCOTT` was ~60 % of a
    /// smollm2-135m decoding step (docs/benchmarks.md, Session 4); beside its Haswell kernels `bench gemv`
    /// measured ours 1.1–1.3× faster on every decoding shape streamed from memory, and ours groups the products
    /// that share an input into one hand-off to our pool (docs/benchmarks.md, Session 6: decoding).
    static func usesOwnGemv(own: Int32) -> Bool { own != 0 }

    /// `ck_sgemv` uses a second thread only when each thread gets at least this many elements of the matrix
    /// (default 32K); 0 splits every product with two 16-output chunks (tests use it on small shapes).
    public static var ownGemvMinWorkPerThread: Int {
        get { ck_sgemv_min_work_per_thread() }
        set { ck_sgemv_set_min_work_per_thread(newValue) }
    }

    /// The product through `cblas_sgemm` whatever `backend` says: the reference that tests and benchmarks compare with.
    public static func openBLASGemm(_ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                                    _ c: UnsafeMutablePointer<Float>, ldc: Int,
                                    m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false,
                                    alpha: Float = 1, beta: Float = 0) {
        OpenBLASWorkers.configure()
        cblas_sgemm(CblasRowMajor,
                    transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The SGEMM every `gemm` call uses; starts from the `TINYALIGN_GEMM` environment variable (auto, openblas,
    /// own, avx2, avx512), `.automatic` when unset. Benchmarks and tests set it to pin one implementation.
    nonisolated(unsafe) public static var backend: GemmBackend = GemmBackend.fromEnvironment()

    /// `ck_sgemm`'s variant numbers, for the rule's tests.
    static let avx512Variant = Int32(CK_GEMM_AVX512), avx2Variant = Int32(CK_GEMM_AVX2)

    /// Our widest kernel on this CPU (`CK_GEMM_AVX512`, `CK_GEMM_AVX2`, or 0 for none).
    static let bestOwnVariant = ck_sgemm_best_variant()

    /// Our SGEMM uses a second thread only when each thread gets at least this many multiply-adds (m·n·k over
    /// the thread count; default 4M ≈ 30 µs on one core, several times the cost of waking a worker). 0 splits
    /// every product that has two tiles (tests use it to exercise the split on small shapes).
    public static var ownGemmMinWorkPerThread: Int {
        get { ck_sgemm_min_work_per_thread() }
        set { ck_sgemm_set_min_work_per_thread(newValue) }
    }

    /// Whether `backend` really runs its own kernel on this CPU (`.automatic` and `.openBLAS` always run).
    public static func runs(_ backend: GemmBackend) -> Bool {
        switch backend {
        case .automatic, .openBLAS: return true
        case .own: return bestOwnVariant != 0
        case .ownAVX2: return ck_has_avx2_fma() != 0
        case .ownAVX512: return ck_has_avx512f() != 0
        }
    }

    /// The `ck_sgemm` variant that runs this product, or nil for OpenBLAS.
    static func ownVariant(m: Int, n: Int, k: Int) -> Int32? {
        switch backend {
        case .openBLAS: return nil
        case .own: return bestOwnVariant == 0 ? nil : bestOwnVariant
        case .ownAVX2: return ck_has_avx2_fma() != 0 ? Int32(CK_GEMM_AVX2) : nil
        case .ownAVX512: return ck_has_avx512f() != 0 ? Int32(CK_GEMM_AVX512) : nil
        case .automatic: return usesOwnGemm(m: m, n: n, k: k) ? bestOwnVariant : nil
        }
    }

    /// Whether the OpenBLAS in use runs AVX2-or-wider SGEMM kernels. A DYNAMIC_ARCH OpenBLAS that does not know
    /// this CPU (0.3.21 on a recent Xeon says "Prescott") falls back to SSE3 kernels, 3–20× slower than ours
    /// on every transformer and LoRA shape (`tinyalign bench gemm`); on such a build ours is the better SGEMM
    /// wherever it runs.
    static let openBLASHasWideKernels: Bool = {
        guard let name = openBLASCoreName else { return true }
        return ["haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"].contains(name)
    }()

    /// Whether the OpenBLAS in use runs its AVX-512 SGEMM kernels (SkylakeX, Cooperlake, SapphireRapids), as it
    /// does on a recent Xeon when `OPENBLAS_CORETYPE` is not set. Those run at ~0.6 of the FMA peak on large
    /// square-ish products, where ours only ties or loses.
    static let openBLASHasAVX512Kernels: Bool = {
        guard let name = openBLASCoreName else { return false }
        return ["skylakex", "cooperlake", "sapphirerapids"].contains(name)
    }()

    /// The name of the kernel set OpenBLAS picked for this CPU, lower-cased ("haswell", "skylakex", …), read once;
    /// nil when the library does not say.
    static let openBLASCoreName: String? = openblas_get_corename().map { String(cString: $0).lowercased() }

    /// The automatic rule for this CPU and this OpenBLAS (see
    /// `usesOwnGemm(m:n:k:own:openBLASHasWideKernels:openBLASHasAVX512Kernels:)`).
    public static func usesOwnGemm(m: Int, n: Int, k: Int) -> Bool {
        usesOwnGemm(m: m, n: n, k: k, own: bestOwnVariant, openBLASHasWideKernels: openBLASHasWideKernels,
                    openBLASHasAVX512Kernels: openBLASHasAVX512Kernels)
    }

    /// The automatic rule. Beside an OpenBLAS with AVX2-or-wider kernels (one-thread timings on a Xeon with
    /// AVX-512, OpenBLAS on its Haswell kernels; `tinyalign bench gemm` and the small-shape sweep in the commit
    /// log): ours only where its widest kernel is the 12×32 AVX-512 one (our AVX2 kernel ran 0.83–0.97×
    /// OpenBLAS's Haswell kernel), and only on products where the tile is not mostly padding and the packing
    /// pays off:
    /// - n ≥ 32 (one full tile width; at n = 8 or 16 ours ran 0.4–0.6× OpenBLAS),
    /// - m ≥ 8 (at m = 1–4, twelve-row panels are mostly zeros: 0.8×; at m = 8 ours ran 1.4×),
    /// - m·n·k ≥ 64³ (below, e.g. 32³ or 40³, OpenBLAS's lighter set-up wins or ties; from 64³ ours ties or wins,
    ///   and from 128×128×32, a per-head attention product, it wins by 1.2–1.5×).
    /// Beside an OpenBLAS on SSE kernels (`openBLASHasWideKernels` false): ours, AVX-512 or AVX2, on every
    /// product of at least 16³ multiply-adds (LoRA's rank-8–64 products ran 1.3–21× faster than OpenBLAS's
    /// Prescott kernel; below 16³ both take a microsecond or two).
    /// Beside OpenBLAS's own AVX-512 kernels (`openBLASHasAVX512Kernels`; 2-thread sweep of M 8–2560 × N 32–1536
    /// × K 32–1536 in all of NN/NT/TN on a Sapphire-Rapids-class Xeon, `bench gemm --shape`, docs/benchmarks.md
    /// Session 7): ours only on tall products (m ≥ 512) with a narrow side (n ≤ 192 or k ≤ 128), where it ran
    /// 1.1–1.9× OpenBLAS; on products with both n and k large it ran 0.5–1.0×, and below 512 rows mostly 0.3–1.0×.
    static func usesOwnGemm(m: Int, n: Int, k: Int, own: Int32, openBLASHasWideKernels: Bool,
                            openBLASHasAVX512Kernels: Bool = false) -> Bool {
        guard own != 0 else { return false }
        guard openBLASHasWideKernels else { return m * n * k >= 16 * 16 * 16 }
        guard own == Int32(CK_GEMM_AVX512) else { return false }
        guard n >= 32 && m >= 8 && m * n * k >= 64 * 64 * 64 else { return false }
        guard openBLASHasAVX512Kernels else { return true }
        return m >= 512 && (n <= 192 || k <= 128)
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
