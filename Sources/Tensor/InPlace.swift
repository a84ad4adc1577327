import COpenBLAS

extension Tensor {
    /// self += scale · other, elementwise; shapes must match. Gradient accumulation goes through here.
    public mutating func add(_ other: Tensor, scale: Float = 1) {
        precondition(other.count == count, "add: \(other.shape) into \(shape)")
        let n = count
        other.withUnsafeBufferPointer { src in
            withUnsafeMutableBufferPointer { dst in
                cblas_saxpy(Int32(n), scale, src.baseAddress!, 1, dst.baseAddress!, 1)
            }
        }
    }

    /// self *= factor, elementwise.
    public mutating func scale(by factor: Float) {
        let n = count
        withUnsafeMutableBufferPointer { cblas_sscal(Int32(n), factor, $0.baseAddress!, 1) }
    }
}
