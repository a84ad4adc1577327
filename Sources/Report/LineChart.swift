/// One named line: (x, y) points in x order.
struct ChartSeries {
    /// Legend text.
    var name: String
    /// The points; non-finite y values are left out.
    var points: [(x: Double, y: Double)]
    /// An optional shaded band (e.g. mean ± std over seeds) drawn under the line; non-finite entries are left out.
    var band: [(x: Double, low: Double, high: Double)] = []
}

/// An inline SVG line chart with axes, grid, tooltips on the points and a legend below.
struct LineChart {
    /// `data-metric` attribute, so tests and scripts can find the chart.
    var metric: String
    /// Accessible title (also the tooltip of the whole chart).
    var title: String
    /// Axis labels.
    var xLabel: String, yLabel: String
    /// The lines, coloured by position.
    var series: [ChartSeries]
    /// Values the y axis must show (e.g. 0 for α).
    var yInclude: [Double] = []
    /// Size of the plot including axes, before the legend.
    var width = 600.0, height = 300.0

    /// The `<svg>` element.
    func svg(run: String? = nil) -> String {
        let left = 62.0, right = 18.0, top = 14.0, bottom = 46.0
        let lines = series.map { s in
            ChartSeries(name: s.name, points: s.points.filter { $0.y.isFinite && $0.x.isFinite },
                        band: s.band.filter { $0.x.isFinite && $0.low.isFinite && $0.high.isFinite })
        }
        let xs = lines.flatMap { $0.points.map(\.x) }
        let ys = lines.flatMap { $0.points.map(\.y) + $0.band.flatMap { [$0.low, $0.high] } }
        let x = AxisScale(values: xs, ticks: 6, integer: true, pixels: (left, width - right))
        let y = AxisScale(values: ys, include: yInclude, ticks: 5, pixels: (height - bottom, top))
        let legend = ChartStyle.legend(lines.map(\.name), x: left, y: height + 6, width: width - left - right)
        let total = height + legend.height + 8

        var s = ChartStyle.open(metric: metric, title: title, width: width, height: total, run: run)
        s += ChartStyle.yAxis(y, label: yLabel, left: left, right: width - right, top: top, bottom: height - bottom)
        s += xAxis(x, top: top, bottom: height - bottom)
        s += "<text class=\"axis-label\" x=\"\(Markup.coord((left + width - right) / 2))\" y=\"\(Markup.coord(height - 8))\" "
            + "text-anchor=\"middle\">\(Markup.escape(xLabel))</text>"
        for (i, line) in lines.enumerated() where line.band.count >= 2 {
            let outline = line.band.map { (x: $0.x, y: $0.high) } + line.band.reversed().map { (x: $0.x, y: $0.low) }
            let pts = outline.map { "\(Markup.coord(x.pixel($0.x))),\(Markup.coord(y.pixel($0.y)))" }.joined(separator: " ")
            s += "<polygon fill=\"\(ChartStyle.color(i))\" fill-opacity=\"0.15\" stroke=\"none\" points=\"\(pts)\"/>"
        }
        for (i, line) in lines.enumerated() where !line.points.isEmpty {
            let color = ChartStyle.color(i)
            let pts = line.points.map { "\(Markup.coord(x.pixel($0.x))),\(Markup.coord(y.pixel($0.y)))" }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"\(pts)\"/>"
            let marks = line.points.count <= 40 ? line.points : [line.points.last!]
            for p in marks {
                s += "<circle cx=\"\(Markup.coord(x.pixel(p.x)))\" cy=\"\(Markup.coord(y.pixel(p.y)))\" r=\"2.6\" fill=\"\(color)\">"
                    + "<title>\(Markup.escape(line.name)) · step \(Int(p.x)): \(Markup.number(p.y))</title></circle>"
            }
        }
        if lines.allSatisfy(\.points.isEmpty) {
            s += "<text x=\"\(Markup.coord(width / 2))\" y=\"\(Markup.coord(height / 2))\" text-anchor=\"middle\">no data</text>"
        }
        s += legend.svg + "</svg>"
        return s
    }

    /// Vertical grid lines at the x ticks and their labels.
    private func xAxis(_ x: AxisScale, top: Double, bottom: Double) -> String {
        var s = "<g class=\"grid\">"
        for t in x.ticks {
            let px = Markup.coord(x.pixel(t))
            s += "<line x1=\"\(px)\" x2=\"\(px)\" y1=\"\(Markup.coord(top))\" y2=\"\(Markup.coord(bottom))\"/>"
        }
        s += "</g><g class=\"ticks\">"
        for t in x.ticks {
            s += "<text x=\"\(Markup.coord(x.pixel(t)))\" y=\"\(Markup.coord(bottom + 16))\" text-anchor=\"middle\">\(x.label(t))</text>"
        }
        return s + "</g>"
    }
}
