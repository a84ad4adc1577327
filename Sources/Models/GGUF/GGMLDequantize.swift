import TensorCore

/// Dequantisation of ggml's block formats to Float32, operation for operation as gguf-py's
/// `gguf.quants.dequantize` (NumPy, float32 arithmetic, no fused multiply-add), so results are bit-identical.
///
/// Block layouts (little-endian; `d`, `m`, `dmin` are binary16 scales):
/// - Q8_0 (32 elements, 34 bytes): `d`, 32 × int8 `q`; x = q·d.
/// - Q4_0 (32, 18): `d`, 16 bytes of nibbles (element i < 16 in the low nibble of byte i, i ≥ 16 in the high
///   nibble of byte i − 16); x = d·(q − 8).
/// - Q4_1 (32, 20): `d`, `m`, nibbles as Q4_0; x = d·q + m.
/// - Q5_0 (32, 22): `d`, `uint32` of fifth bits (bit i for element i), nibbles; x = d·(q − 16).
/// - Q5_1 (32, 24): `d`, `m`, fifth bits, nibbles; x = d·q + m.
/// - Q4_K (256, 144): `d`, `dmin`, 12 bytes of eight 6-bit scales and mins, 128 bytes of nibbles; sub-block j
///   of 32 reads nibble j mod 2 of bytes 32·⌊j/2⌋…; x = (d·sc_j)·q − (dmin·m_j).
/// - Q5_K (256, 176): as Q4_K plus 32 bytes of fifth bits (bit j of byte i for element 32j + i).
/// - Q6_K (256, 210): 128 bytes low nibbles, 64 bytes high 2-bit pairs, 16 int8 scales, `d`; x = (d·s_g)·(q − 32)
///   for groups g of 16.
enum GGMLDequantize {
    /// Writes `blocks` blocks of `type` read from `src` into `dst` (`blocks · type.blockSize` floats).
    static func run(_ type: GGMLType, _ src: UnsafeRawPointer, blocks: Int, into dst: UnsafeMutablePointer<Float>) {
        let size = type.typeSize, n = type.blockSize
        switch type {
        case .f32:
            UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: blocks * 4)
        case .f16:
            for i in 0..<blocks { dst[i] = HalfPrecision.float(fromHalf: u16(src, 2 * i)) }
        case .bf16:
            for i in 0..<blocks { dst[i] = HalfPrecision.float(fromBFloat: u16(src, 2 * i)) }
        case .q8_0: for b in 0..<blocks { q8_0(src + b * size, dst + b * n) }
        case .q4_0: for b in 0..<blocks { q4_0(src + b * size, dst + b * n) }
        case .q4_1: for b in 0..<blocks { q4_1(src + b * size, dst + b * n) }
        case .q5_0: for b in 0..<blocks { q5_0(src + b * size, dst + b * n) }
        case .q5_1: for b in 0..<blocks { q5_1(src + b * size, dst + b * n) }
        case .q4_K: for b in 0..<blocks { q4_K(src + b * size, dst + b * n) }
        case .q5_K: for b in 0..<blocks { q5_K(src + b * size, dst + b * n) }
        case .q6_K: for b in 0..<blocks { q6_K(src + b * size, dst + b * n) }
        default:
            preconditionFailure("GGMLDequantize.run called for \(type.name); callers check isDequantizable")
        }
    }

    @inline(__always) static func u16(_ p: UnsafeRawPointer, _ offset: Int) -> UInt16 {
        UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    @inline(__always) static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        HalfPrecision.float(fromHalf: u16(p, offset))
    }
    @inline(__always) static func byte(_ p: UnsafeRawPointer, _ offset: Int) -> UInt8 { p.load(fromByteOffset: offset, as: UInt8.self) }

    static func q8_0(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        for i in 0..<32 { out[i] = Float(Int8(bitPattern: byte(p, 2 + i))) * d }
    }

    /// The 4-bit value of element i (0..<32) of a 16-byte nibble array at `qs`.
    @inline(__always) static func nibble(_ p: UnsafeRawPointer, _ qs: Int, _ i: Int) -> UInt8 {
        i < 16 ? byte(p, qs + i) & 0x0f : byte(p, qs + i - 16) >> 4
    }

    static func q4_0(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        for i in 0..<32 { out[i] = d * Float(Int(nibble(p, 2, i)) - 8) }
    }

    static func q4_1(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(p, 0), m = half(p, 2)
        for i in 0..<32 {
            let scaled = d * Float(nibble(p, 4, i))
            out[i] = scaled + m
        }
    }

    static func q5_0(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        let qh = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        for i in 0..<32 {
            let q = Int(nibble(p, 6, i)) | Int((qh >> UInt32(i)) & 1) << 4
            out[i] = d * Float(q - 16)
        }
    }

    static func q5_1(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(p, 0), m = half(p, 2)
        let qh = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        for i in 0..<32 {
            let q = Int(nibble(p, 8, i)) | Int((qh >> UInt32(i)) & 1) << 4
            let scaled = d * Float(q)
            out[i] = scaled + m
        }
    }

    /// The eight 6-bit scales and mins packed in the 12 bytes at `at` (Q4_K and Q5_K): bytes 0–3 hold scales
    /// 0–3 in their low 6 bits, bytes 4–7 mins 0–3; scales/mins 4–7 take their low 4 bits from the nibbles of
    /// bytes 8–11 and their top 2 bits from the top bits of bytes 0–3 / 4–7.
    @inline(__always)
    static func scaleMin(_ p: UnsafeRawPointer, _ at: Int, _ j: Int) -> (scale: UInt8, min: UInt8) {
        if j < 4 { return (byte(p, at + j) & 63, byte(p, at + 4 + j) & 63) }
        let low = byte(p, at + 8 + j - 4)
        let scale = (low & 0x0f) | ((byte(p, at + j - 4) >> 2) & 0x30)
        let min = (low >> 4) | ((byte(p, at + j) >> 2) & 0x30)
        return (scale, min)
    }

    static func q4_K(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(p, 0), dmin = half(p, 2)
        for j in 0..<8 {
            let (sc, mn) = scaleMin(p, 4, j)
            let dl = d * Float(sc), ml = dmin * Float(mn)
            let chunk = 16 + 32 * (j / 2), shift = UInt8(4 * (j % 2))
            for i in 0..<32 {
                let q = (byte(p, chunk + i) >> shift) & 0x0f
                let scaled = dl * Float(q)
                out[32 * j + i] = scaled - ml
            }
        }
    }

    static func q5_K(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(p, 0), dmin = half(p, 2)
        for j in 0..<8 {
            let (sc, mn) = scaleMin(p, 4, j)
            let dl = d * Float(sc), ml = dmin * Float(mn)
            let chunk = 48 + 32 * (j / 2), shift = UInt8(4 * (j % 2))
            for i in 0..<32 {
                let low = (byte(p, chunk + i) >> shift) & 0x0f
                let high = (byte(p, 16 + i) >> UInt8(j)) & 1
                let scaled = dl * Float(low | high << 4)
                out[32 * j + i] = scaled - ml
            }
        }
    }

    static func q6_K(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(p, 208)
        for e in 0..<256 {
            let h = e / 128, r = e % 128
            let low = (byte(p, h * 64 + r % 64) >> UInt8(4 * (r / 64))) & 0x0f
            let high = (byte(p, 128 + h * 32 + r % 32) >> UInt8(2 * (r / 32))) & 0x03
            let q = Int(low | high << 4) - 32
            let scale = d * Float(Int8(bitPattern: byte(p, 192 + e / 16)))
            out[e] = scale * Float(q)
        }
    }
}
