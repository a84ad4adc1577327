import TensorCore

/// Float32 → stored bytes for the types the writer produces (F32, F16, BF16, Q8_0), operation for operation as
/// gguf-py's `gguf.quants.quantize`, so a tensor TinyAlign writes has the same bytes gguf-py would write.
enum GGMLQuantize {
    /// Types `encode` can produce.
    static let writable: Set<GGMLType> = [.f32, .f16, .bf16, .q8_0]

    /// Encodes `values` (a whole number of blocks of `type`) into the stored bytes.
    static func encode(_ values: UnsafeBufferPointer<Float>, as type: GGMLType) -> [UInt8] {
        let blocks = values.count / type.blockSize
        var out = [UInt8](repeating: 0, count: blocks * type.typeSize)
        out.withUnsafeMutableBytes { raw in
            let dst = raw.baseAddress!
            switch type {
            case .f32:
                if !values.isEmpty { dst.copyMemory(from: values.baseAddress!, byteCount: values.count * 4) }
            case .f16:
                for (i, v) in values.enumerated() { dst.storeBytes(of: HalfPrecision.half(from: v).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
            case .bf16:
                for (i, v) in values.enumerated() { dst.storeBytes(of: HalfPrecision.bfloat(from: v).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
            case .q8_0:
                for b in 0..<blocks { q8_0(values.baseAddress! + 32 * b, dst + 34 * b) }
            default:
                preconditionFailure("GGMLQuantize.encode called for \(type.name); callers check writable")
            }
        }
        return out
    }

    /// One Q8_0 block: d = max|x| / 127, q = round-half-away-from-zero(x · (1/d)) (0 when d is 0), d stored
    /// as binary16. The reciprocal is taken once per block, as gguf-py and ggml's reference quantiser do.
    static func q8_0(_ x: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer) {
        var amax: Float = 0
        for i in 0..<32 { amax = max(amax, abs(x[i])) }
        let d = amax / 127
        let id: Float = d == 0 ? 0 : 1 / d
        dst.storeBytes(of: HalfPrecision.half(from: d).littleEndian, toByteOffset: 0, as: UInt16.self)
        for i in 0..<32 {
            let q = (x[i] * id).rounded(.toNearestOrAwayFromZero)
            // Only a non-finite input (d = inf, id = 0, inf·0 = NaN) leaves [-127, 127]; store 0 rather than trap.
            let stored: Int8 = q.isNaN ? 0 : Int8(Swift.max(-128, Swift.min(127, q)))
            dst.storeBytes(of: UInt8(bitPattern: stored), toByteOffset: 2 + i, as: UInt8.self)
        }
    }
}
