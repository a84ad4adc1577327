/// A plain table for the report: results that are not training curves (EM-DPO's cluster recovery, the
/// aggregation game, GPO's few-shot scores).
public struct ReportTable: Sendable {
    /// Heading of the card.
    public var title: String
    /// Column headings.
    public var headers: [String]
    /// Cells, row by row (already formatted).
    public var rows: [[String]]
    /// Optional explanation under the table.
    public var note: String?

    /// A table.
    public init(title: String, headers: [String], rows: [[String]], note: String? = nil) {
        self.title = title
        self.headers = headers
        self.rows = rows
        self.note = note
    }

    /// The table as an escaped XHTML card.
    var html: String {
        let head = "<tr>" + headers.map { "<th>\(Markup.escape($0))</th>" }.joined() + "</tr>"
        let body = rows.map { "<tr>" + $0.map { "<td>\(Markup.escape($0))</td>" }.joined() + "</tr>" }.joined()
        return ReportBuilder.card(title, "<table>\(head)\(body)</table>", note: note)
    }
}
