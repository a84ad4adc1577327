import Foundation

/// The report page of a `tinyalign repro …` command: line charts of a metric over training with a band over
/// seeds, and tables of the final numbers. Self-contained XHTML like the run reports.
public enum ReproReport {
    /// One method's curve: the mean over seeds and a band (e.g. mean ± std) at each x.
    public struct Curve: Sendable {
        /// Legend text.
        public var name: String
        /// x, mean, band low and band high, one entry per evaluation.
        public var x: [Double], mean: [Double], low: [Double], high: [Double]

        /// A curve; the four arrays have one entry per point.
        public init(name: String, x: [Double], mean: [Double], low: [Double], high: [Double]) {
            self.name = name
            self.x = x
            self.mean = mean
            self.low = low
            self.high = high
        }
    }

    /// One chart of several curves.
    public struct Chart: Sendable {
        /// Card heading, `data-metric` attribute, axis labels.
        public var title: String, metric: String, xLabel: String, yLabel: String
        /// The curves.
        public var curves: [Curve]

        /// A chart.
        public init(title: String, metric: String, xLabel: String, yLabel: String, curves: [Curve]) {
            self.title = title
            self.metric = metric
            self.xLabel = xLabel
            self.yLabel = yLabel
            self.curves = curves
        }
    }

    /// The page.
    public static func html(title: String, intro: String, charts: [Chart], tables: [ReportTable]) -> String {
        var body = "<h1>\(Markup.escape(title))</h1><p class=\"subtitle\">\(Markup.escape(intro))</p>"
        if !tables.isEmpty { body += "<div class=\"grid\">" + tables.map(\.html).joined() + "</div>" }
        if !charts.isEmpty {
            body += "<div class=\"grid\" style=\"margin-top: 18px\">"
            for chart in charts {
                let series = chart.curves.map { c in
                    ChartSeries(name: c.name, points: zip(c.x, c.mean).map { ($0, $1) },
                                band: c.x.indices.map { (c.x[$0], c.low[$0], c.high[$0]) })
                }
                let svg = LineChart(metric: chart.metric, title: chart.title, xLabel: chart.xLabel, yLabel: chart.yLabel,
                                    series: series).svg()
                body += ReportBuilder.card(chart.title, svg, note: "Lines: mean over seeds; shaded: the band (mean ± std).")
            }
            body += "</div>"
        }
        return "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/>"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
            + "<title>\(Markup.escape(title))</title><style>\(ReportStyle.css)</style></head>"
            + "<body><main>\(body)</main></body></html>\n"
    }

    /// Writes the page to `url` atomically.
    public static func write(title: String, intro: String, charts: [Chart], tables: [ReportTable], to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(html(title: title, intro: intro, charts: charts, tables: tables).utf8).write(to: url, options: .atomic)
    }
}
