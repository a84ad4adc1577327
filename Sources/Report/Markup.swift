import Foundation

/// Text helpers for the XHTML report: escaping and compact number formatting.
enum Markup {
    /// `s` safe inside XML text and attribute values.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // XML 1.0 forbids most control characters even as references; drop them.
                if ch.value < 0x20 && ch != "\n" && ch != "\t" && ch != "\r" { continue }
                out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// A metric value for tables and tooltips: 4 significant digits, "–" for missing or non-finite.
    static func number(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "–" }
        if x == 0 { return "0" }
        let a = abs(x)
        if a >= 1e5 || a < 1e-3 { return String(format: "%.3e", x) }
        let decimals = max(0, 3 - Int(Foundation.floor(Foundation.log10(a))))
        return String(format: "%.\(decimals)f", x)
    }

    /// A value with a fixed number of decimals, so a table column reads in one format; "–" when missing.
    static func fixed(_ x: Double?, _ decimals: Int) -> String {
        guard let x, x.isFinite else { return "–" }
        return String(format: "%.\(decimals)f", x)
    }

    /// A coordinate with two decimals (short SVG, sub-pixel precision).
    static func coord(_ x: Double) -> String { String(format: "%.2f", x) }
}
