import CKernels

/// A weight matrix (out, in) held as BF16 bits for decoding (`generate --weights bf16`): half the bytes an F32
/// copy streams per token. Products widen each weight exactly and multiply in F32 (`ck_gemv_bf16_group_variant`:
/// AVX-512F, AVX2+FMA or plain C, picked at run time), so they differ from F32 decoding only by the weights'
/// rounding to BF16 (round to nearest even) and the kernel's summation order.
public final class BF16Matrix: @unchecked Sendable {
    /// Output features (rows).
    public let rows: Int
    /// Input features (columns).
    public let columns: Int
    /// rows × columns BF16 bits, row-major; owned.
    let bits: UnsafeMutablePointer<UInt16>

    /// `weight` (out, in) rounded to BF16.
    public init(_ weight: Tensor) throws {
        guard weight.rank == 2 else {
            throw TensorError.shapeMismatch(op: "bf16 matrix", "weight \(weight.shape) is not (out, in)")
        }
        rows = weight.shape[0]
        columns = weight.shape[1]
        bits = .allocate(capacity: max(rows * columns, 1))
        weight.withUnsafeBufferPointer { w in
            for i in 0..<w.count { bits[i] = HalfPrecision.bfloat(from: w[i]) }
        }
    }

    deinit { bits.deallocate() }

    /// Bytes a product reads.
    public var byteCount: Int { 2 * rows * columns }

    /// The F32 values the products use.
    public func widened() -> Tensor {
        var t = Tensor(uninitializedShape: [rows, columns])
        t.withUnsafeMutableBufferPointer { p in for i in 0..<p.count { p[i] = HalfPrecision.float(fromBFloat: bits[i]) } }
        return t
    }

    /// The products' kernels by vector width; `auto` is the widest this CPU runs.
    public enum Kernel: Sendable {
        case auto, avx512, avx2, portable
        var variant: Int32 {
            switch self {
            case .auto: return Int32(CK_GEMM_AUTO)
            case .avx512: return Int32(CK_GEMM_AVX512)
            case .avx2: return Int32(CK_GEMM_AVX2)
            case .portable: return Int32(CK_GEMV_PORTABLE)
            }
        }
        /// Whether this CPU runs it (`portable` and `auto` always).
        public var runs: Bool {
            switch self {
            case .auto, .portable: return true
            case .avx512: return ck_has_avx512f() != 0
            case .avx2: return ck_has_avx2_fma() != 0
            }
        }
    }

    /// The kernel `groupedProducts` runs when not told (`auto`); tests set it to cover every kernel on one CPU.
    nonisolated(unsafe) public static var defaultKernel = Kernel.auto

    /// x: (in) or (1, in); weights[g]: (out_g, in) in BF16, biases[g]: (out_g) or nil -> [(…, out_g)], as
    /// `GroupedDenseKernel.forward` with each weight widened. Throws when `kernel` does not run on this CPU.
    public static func groupedProducts(_ x: Tensor, _ weights: [BF16Matrix], biases: [Tensor?],
                                       kernel: Kernel? = nil) throws -> [Tensor] {
        let kernel = kernel ?? defaultKernel
        guard kernel.runs else { throw TensorError.invalidArgument(op: "bf16 products", "this CPU does not run the \(kernel) kernel") }
        let nIn = x.shape.last ?? 0
        guard biases.count == weights.count, x.rank >= 1, x.rank <= 2, x.count == nIn else {
            throw TensorError.shapeMismatch(op: "bf16 products", "input \(x.shape) is not one row, or \(biases.count) biases for \(weights.count) weights")
        }
        for (w, b) in zip(weights, biases) {
            guard w.columns == nIn else {
                throw TensorError.shapeMismatch(op: "bf16 products", "input \(x.shape) does not fit weight [\(w.rows), \(w.columns)]")
            }
            if let b, b.shape != [w.rows] {
                throw TensorError.shapeMismatch(op: "bf16 products", "bias \(b.shape) does not fit weight [\(w.rows), \(w.columns)]")
            }
        }
        let lead = Array(x.shape.dropLast())
        let outputs = weights.map { Tensor(uninitializedShape: lead + [$0.rows]) }
        let rows = weights.map { $0.rows }
        let weightPointers: [UnsafePointer<UInt16>?] = weights.map { UnsafePointer($0.bits) }
        let biasPointers: [UnsafePointer<Float>?] = biases.map { $0.map { UnsafePointer($0.storage.pointer) } }
        let outputPointers: [UnsafeMutablePointer<Float>?] = outputs.map { $0.storage.pointer }
        let status = withExtendedLifetime((weights, biases, outputs, x)) {
            ck_gemv_bf16_group_variant(kernel.variant, Int32(BLAS.threads), Int32(weights.count), rows, nIn, weightPointers,
                                       biasPointers, UnsafePointer(x.storage.pointer), outputPointers)
        }
        guard status == 0 else { throw TensorError.invalidArgument(op: "bf16 products", "kernel \(kernel) failed (status \(status))") }
        return outputs
    }
}
