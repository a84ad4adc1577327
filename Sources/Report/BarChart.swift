/// An inline SVG grouped bar chart: one cluster per category, one bar per series, values printed on the bars.
struct BarChart {
    /// `data-metric` attribute.
    var metric: String
    /// Accessible title.
    var title: String
    /// Y axis label.
    var yLabel: String
    /// Cluster labels along x (the groups).
    var categories: [String]
    /// Bars: per series a value per category (nil when missing).
    var series: [(name: String, values: [Double?])]
    /// Fixed top of the y axis (1 for accuracies); nil scales to the data.
    var yMax: Double?
    /// Size of the plot including axes, before the legend.
    var width = 600.0, height = 300.0

    /// The `<svg>` element.
    func svg() -> String {
        let left = 62.0, right = 18.0, top = 14.0
        let band = (width - left - right) / Double(max(categories.count, 1))
        let labelLines = categories.map { wrap($0, width: band - 4) }
        let bottom = 20.0 + 13 * Double(labelLines.map(\.count).max() ?? 1)
        let values = series.flatMap { $0.values.compactMap { $0 } }.filter(\.isFinite)
        let y = AxisScale(values: values + (yMax.map { [$0] } ?? []), include: [0], ticks: 6, pixels: (height - bottom, top))
        let barWidth = band * 0.8 / Double(max(series.count, 1))
        let legend = ChartStyle.legend(series.map(\.name), x: left, y: height + 6, width: width - left - right)
        let total = height + legend.height + 8

        var s = ChartStyle.open(metric: metric, title: title, width: width, height: total)
        s += ChartStyle.yAxis(y, label: yLabel, left: left, right: width - right, top: top, bottom: height - bottom)
        s += "<g class=\"ticks\">"
        for (c, lines) in labelLines.enumerated() {
            let cx = left + band * (Double(c) + 0.5)
            for (k, line) in lines.enumerated() {
                s += "<text x=\"\(Markup.coord(cx))\" y=\"\(Markup.coord(height - bottom + 16 + 13 * Double(k)))\" "
                    + "text-anchor=\"middle\">\(Markup.escape(line))</text>"
            }
        }
        s += "</g>"
        for (i, bars) in series.enumerated() {
            for (c, value) in bars.values.enumerated() where c < categories.count {
                guard let v = value, v.isFinite else { continue }
                let bx = left + band * Double(c) + band * 0.1 + barWidth * Double(i)
                let barTop = y.pixel(max(v, y.lower)), base = y.pixel(max(0, y.lower))
                s += "<rect x=\"\(Markup.coord(bx))\" y=\"\(Markup.coord(min(barTop, base)))\" width=\"\(Markup.coord(barWidth - 2))\" "
                    + "height=\"\(Markup.coord(abs(base - barTop)))\" fill=\"\(ChartStyle.color(i))\">"
                    + "<title>\(Markup.escape(bars.name)) · \(Markup.escape(categories[c])): \(Markup.number(v))</title></rect>"
                if barWidth >= 22 {
                    s += "<text class=\"bar-value\" x=\"\(Markup.coord(bx + (barWidth - 2) / 2))\" y=\"\(Markup.coord(min(barTop, base) - 4))\" "
                        + "text-anchor=\"middle\">\(String(format: "%.2f", v))</text>"
                }
            }
        }
        s += legend.svg + "</svg>"
        return s
    }

    /// Splits a label into at most three lines that fit `width`, by words; the last line is cut with "…".
    private func wrap(_ text: String, width: Double) -> [String] {
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ").map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if ChartStyle.textWidth(candidate) <= width || current.isEmpty { current = candidate } else {
                lines.append(current); current = word
            }
        }
        if !current.isEmpty { lines.append(current) }
        if lines.count > 3 { lines = Array(lines.prefix(3)); lines[2] += "…" }
        return lines
    }
}
