/// IEEE binary16 and bfloat16 conversions by bit manipulation (portable where `Float16` is unavailable), matching
/// NumPy's (and so gguf-py's and PyTorch's) results: half → float is exact; float → half rounds to nearest, ties
/// to even, overflows to ±inf, keeps NaN a NaN. Used by the safetensors writer and the GGUF reader and writer.
public enum HalfPrecision {
    /// Exact binary16 → binary32 (subnormal halves become normal floats).
    @inline(__always)
    public static func float(fromHalf h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exponent = UInt32(h >> 10) & 0x1f
        let mantissa = UInt32(h) & 0x3ff
        switch exponent {
        case 0:
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1f:
            return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }

    /// binary32 → binary16, round to nearest even (NumPy's `npy_floatbits_to_halfbits`).
    public static func half(from f: Float) -> UInt16 {
        let x = f.bitPattern
        let sign = UInt16((x >> 16) & 0x8000)
        let exponent = Int((x >> 23) & 0xff)
        let mantissa = x & 0x7f_ffff
        if exponent == 0xff {
            if mantissa == 0 { return sign | 0x7c00 }
            // A NaN keeps its top payload bits; one whose payload would vanish becomes the lowest half NaN.
            let payload = UInt16(mantissa >> 13)
            return sign | 0x7c00 | (payload == 0 ? 1 : payload)
        }
        let e = exponent - 127 + 15
        if e >= 0x1f { return sign | 0x7c00 }
        if e <= 0 {
            // Subnormal half (or zero): the value in units of 2^-24 is m · 2^(exponent - 126), m with its hidden bit.
            guard exponent >= 102 else { return sign }
            let m = mantissa | 0x80_0000
            return sign | UInt16(roundShift(m, by: 126 - exponent))
        }
        // Normal: drop 13 mantissa bits; a carry out of the mantissa correctly bumps the exponent (up to inf).
        let combined = (UInt32(e) << 23) | mantissa
        return sign | UInt16(roundShift(combined, by: 13))
    }

    /// `value >> shift` rounded to nearest, ties to even.
    @inline(__always)
    private static func roundShift(_ value: UInt32, by shift: Int) -> UInt32 {
        let q = value >> UInt32(shift)
        let rest = value & ((1 << UInt32(shift)) - 1)
        let half = UInt32(1) << UInt32(shift - 1)
        return (rest > half || (rest == half && q & 1 == 1)) ? q + 1 : q
    }

    /// bfloat16 → binary32 (exact: the upper half of the bits).
    @inline(__always)
    public static func float(fromBFloat b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

    /// binary32 → bfloat16 as gguf-py's `BF16.quantize_blocks` (ggml's `ggml_compute_fp32_to_bf16`) and PyTorch's
    /// `.to(torch.bfloat16)`: NaNs forced quiet, otherwise round to nearest even.
    public static func bfloat(from f: Float) -> UInt16 {
        let n = f.bitPattern
        if n & 0x7fff_ffff > 0x7f80_0000 { return UInt16(truncatingIfNeeded: ((n & 0xffff_0000) | (64 << 16)) >> 16) }
        return UInt16(truncatingIfNeeded: (UInt64(n) + UInt64(0x7fff + ((n >> 16) & 1))) >> 16)
    }
}
