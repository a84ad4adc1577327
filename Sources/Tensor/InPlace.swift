import CKernels
import COpenBLAS

extension Tensor {
    /// self += scale · other, elementwise; shapes must match. Gradient accumulation goes through here: our
    /// AVX-512 loop where AVX-512 runs (`BLAS.ownLevel1`), else `cblas_saxpy`.
    public mutating func add(_ other: Tensor, scale: Float = 1) {
        precondition(other.count == count, "add: \(other.shape) into \(shape)")
        let n = count
        other.withUnsafeBufferPointer { src in
            withUnsafeMutableBufferPointer { dst in
                if BLAS.ownLevel1 {
                    ck_saxpy_avx512(n, scale, src.baseAddress!, dst.baseAddress!)
                } else {
                    cblas_saxpy(Int32(n), scale, src.baseAddress!, 1, dst.baseAddress!, 1)
                }
            }
        }
    }

    /// self *= factor, elementwise.
    public mutating func scale(by factor: Float) {
        let n = count
        withUnsafeMutableBufferPointer {
            if BLAS.ownLevel1 { ck_sscal_avx512(n, factor, $0.baseAddress!) } else { cblas_sscal(Int32(n), factor, $0.baseAddress!, 1) }
        }
    }
}
