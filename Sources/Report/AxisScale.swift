import Foundation

/// A linear axis from data values to pixels with "nice" round ticks (1, 2 or 5 × 10^k apart).
struct AxisScale {
    /// Data range shown, widened to whole ticks.
    let lower: Double, upper: Double
    /// Distance between ticks.
    let step: Double
    /// Pixel positions of `lower` and `upper`.
    let pixelLower: Double, pixelUpper: Double

    /// A scale covering `values` (and `include`, e.g. 0) with about `ticks` ticks; `integer` keeps ticks whole.
    init(values: [Double], include: [Double] = [], ticks: Int = 5, integer: Bool = false,
         pixels: (Double, Double)) {
        let all = (values + include).filter(\.isFinite)
        var lo = all.min() ?? 0, hi = all.max() ?? 1
        if hi - lo < 1e-12 { let pad = Swift.max(abs(lo) * 0.1, integer ? 1 : 0.05); lo -= pad; hi += pad }
        var s = Self.niceStep((hi - lo) / Double(Swift.max(ticks - 1, 1)))
        if integer { s = Swift.max(1, s.rounded()) }
        step = s
        lower = Foundation.floor(lo / s + 1e-9) * s
        upper = Foundation.ceil(hi / s - 1e-9) * s
        (pixelLower, pixelUpper) = pixels
    }

    /// 1, 2 or 5 times a power of ten, the smallest not below `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let p = Foundation.pow(10, Foundation.floor(Foundation.log10(raw)))
        for m in [1.0, 2, 5, 10] where m * p >= raw * (1 - 1e-9) { return m * p }
        return 10 * p
    }

    /// Pixel of data value `v`.
    func pixel(_ v: Double) -> Double {
        pixelLower + (v - lower) / (upper - lower) * (pixelUpper - pixelLower)
    }

    /// Tick values from `lower` to `upper`.
    var ticks: [Double] {
        let n = Int(((upper - lower) / step).rounded())
        return (0...n).map { lower + Double($0) * step }
    }

    /// A tick label with as many decimals as the step needs.
    func label(_ v: Double) -> String {
        let decimals = Swift.max(0, -Int(Foundation.floor(Foundation.log10(step) + 1e-9)))
        let s = String(format: "%.\(decimals)f", v)
        return s == "-0" || s.hasPrefix("-0.") && Double(s) == 0 ? String(s.dropFirst()) : s
    }
}
