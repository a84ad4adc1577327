/// Colours, fonts and the legend shared by the report's SVG charts.
enum ChartStyle {
    /// Distinguishable colours (Tableau 10), taken in order.
    static let palette = ["#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948", "#B07AA1", "#FF9DA7",
                          "#9C755F", "#BAB0AC"]

    /// Colour of series `i`.
    static func color(_ i: Int) -> String { palette[i % palette.count] }

    /// Rough width of `text` in 12 px sans-serif, for laying out legends without a text measurer.
    static func textWidth(_ text: String, fontSize: Double = 12) -> Double { Double(text.count) * fontSize * 0.53 }

    /// A legend of coloured swatches laid out left to right from (x, y), wrapping at `width`.
    /// Returns the markup and the height it takes.
    static func legend(_ names: [String], x: Double, y: Double, width: Double) -> (svg: String, height: Double) {
        var svg = "<g class=\"legend\">"
        var cx = x, cy = y
        let rowHeight = 18.0
        for (i, name) in names.enumerated() {
            let w = 22 + textWidth(name) + 18
            if cx + w > x + width && cx > x { cx = x; cy += rowHeight }
            svg += "<rect x=\"\(Markup.coord(cx))\" y=\"\(Markup.coord(cy - 9))\" width=\"14\" height=\"10\" rx=\"2\" "
                + "fill=\"\(color(i))\"/>"
            svg += "<text x=\"\(Markup.coord(cx + 20))\" y=\"\(Markup.coord(cy))\">\(Markup.escape(name))</text>"
            cx += w
        }
        svg += "</g>"
        return (svg, names.isEmpty ? 0 : cy - y + rowHeight)
    }

    /// The opening `<svg>` tag (tagged with `data-metric`, and `data-run` when given) and its accessible title.
    static func open(metric: String, title: String, width: Double, height: Double, run: String? = nil) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" "
            + "role=\"img\" data-metric=\"\(Markup.escape(metric))\""
            + (run.map { " data-run=\"\(Markup.escape($0))\"" } ?? "") + "><title>\(Markup.escape(title))</title>"
    }

    /// Horizontal grid lines at the y ticks, their labels, the rotated axis label and the L-shaped axis frame.
    static func yAxis(_ y: AxisScale, label: String, left: Double, right: Double, top: Double, bottom: Double) -> String {
        var s = "<g class=\"grid\">"
        for t in y.ticks {
            let py = Markup.coord(y.pixel(t))
            s += "<line x1=\"\(Markup.coord(left))\" x2=\"\(Markup.coord(right))\" y1=\"\(py)\" y2=\"\(py)\"/>"
        }
        s += "</g><g class=\"ticks\">"
        for t in y.ticks {
            s += "<text x=\"\(Markup.coord(left - 6))\" y=\"\(Markup.coord(y.pixel(t) + 4))\" text-anchor=\"end\">\(y.label(t))</text>"
        }
        s += "</g><path class=\"frame\" d=\"M\(Markup.coord(left)),\(Markup.coord(top))V\(Markup.coord(bottom))"
            + "H\(Markup.coord(right))\"/>"
        s += "<text class=\"axis-label\" transform=\"translate(14 \(Markup.coord((top + bottom) / 2))) rotate(-90)\" "
            + "text-anchor=\"middle\">\(Markup.escape(label))</text>"
        return s
    }
}
