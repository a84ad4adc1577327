import Foundation

/// Reads Anthropic's GlobalOpinionQA file from the Hugging Face Hub (`global_opinions.csv`, columns `question`,
/// `selections`, `options`, `source`) into a `Survey` for chosen countries (ALGORITHMS.md §6).
public enum GlobalOpinionQA {
    /// The survey plus what was left out.
    public struct Import: Sendable {
        /// Questions that at least one chosen country answered, with only the chosen countries' distributions.
        public var survey: Survey
        /// Per country, rows whose distribution was unusable (length differs from the options, NaN, negative or
        /// all zero) and was therefore skipped for that country.
        public var skipped: [String: Int]
        /// Rows that could not be read at all (bad literal, wrong field count, too few options), in file order.
        public var skippedRows: [SkippedRow] = []

        /// `skipped 3 rows: line 812: …; line 900: …` (the first `limit` reasons), or nil when every row was read.
        public func skippedRowsSummary(limit: Int = 5) -> String? {
            guard !skippedRows.isEmpty else { return nil }
            let shown = skippedRows.prefix(limit).map { "line \($0.line): \($0.reason)" }.joined(separator: "; ")
            return "skipped \(skippedRows.count) row\(skippedRows.count == 1 ? "" : "s"): " + shown
                + (skippedRows.count > limit ? "; …" : "")
        }
    }

    /// One data row left out of the import, with the physical line it starts on.
    public struct SkippedRow: Equatable, Sendable {
        /// 1-based line in the CSV file where the row starts.
        public var line: Int
        /// What was wrong with it.
        public var reason: String
    }

    /// Loads `url` and keeps `countries` (names exactly as in the file, e.g. `India (Current national sample)`).
    /// Rows lacking a country are skipped for that country; a country absent from the whole file is an error that
    /// names it. Question ids are `goqa-<data row, 1-based>`; distributions are normalised to sum to 1.
    public static func load(csv url: URL, countries: [String]) throws -> Import {
        guard let data = try? Data(contentsOf: url) else {
            throw DatasetError.badData(file: url.path, line: 0, "cannot read the file")
        }
        return try parse(data, file: url.path, countries: countries)
    }

    /// `load` on bytes already read; `file` names the source in errors.
    public static func parse(_ data: Data, file: String, countries: [String]) throws -> Import {
        guard !countries.isEmpty, Set(countries).count == countries.count else {
            throw DatasetError.invalidInput("give one or more distinct countries, got \(countries)")
        }
        let records = try CSVReader.parse(data, file: file)
        guard let header = records.first else { throw DatasetError.badData(file: file, line: 0, "the file is empty") }
        func column(_ name: String) throws -> Int {
            guard let c = header.fields.firstIndex(of: name) else {
                throw DatasetError.badData(file: file, line: header.line,
                                             "missing column \"\(name)\" (header has \(header.fields))")
            }
            return c
        }
        let qCol = try column("question"), sCol = try column("selections"), oCol = try column("options")
        let srcCol = header.fields.firstIndex(of: "source")

        var questions: [SurveyQuestion] = []
        var seen = Set<String>()
        var skipped: [String: Int] = [:]
        var skippedRows: [SkippedRow] = []
        for (row, record) in records.dropFirst().enumerated() {
            let line = record.line
            // A row that cannot be read is skipped and reported, never an abort: the real file is 2,556 rows of
            // hand-made survey exports and one odd row must not cost the other countries' data.
            let options: [String], shares: [String: [Double]]
            do {
                guard record.fields.count == header.fields.count else {
                    throw RowProblem("expected \(header.fields.count) fields like the header, found \(record.fields.count)")
                }
                options = try optionTexts(record.fields[oCol], column: "options")
                guard options.count >= 2 else { throw RowProblem("column \"options\" has \(options.count) option(s), need 2 or more") }
                guard options.count <= SurveyPairs.maxOptions else {
                    throw RowProblem("column \"options\" has more than \(SurveyPairs.maxOptions) options")
                }
                shares = try countryShares(record.fields[sCol])
            } catch let problem as RowProblem {
                skippedRows.append(SkippedRow(line: line, reason: problem.message))
                continue
            }
            seen.formUnion(shares.keys)
            var selections: [String: [Double]] = [:]
            for country in countries {
                guard let s = shares[country] else { continue }
                let sum = s.reduce(0, +)
                guard s.count == options.count, s.allSatisfy({ $0.isFinite && $0 >= 0 }), sum > 0 else {
                    skipped[country, default: 0] += 1
                    continue
                }
                selections[country] = s.map { $0 / sum }
            }
            if selections.isEmpty { continue }
            questions.append(SurveyQuestion(id: String(format: "goqa-%04d", row + 1), question: record.fields[qCol],
                                            options: options, selections: selections,
                                            source: srcCol.map { record.fields[$0] } ?? ""))
        }
        let missing = countries.filter { !seen.contains($0) }
        if !missing.isEmpty {
            let hints = missing.flatMap { m in seen.filter { $0.lowercased().contains(m.lowercased()) } }.sorted()
            throw DatasetError.badData(file: file, line: 0,
                "no rows for \(missing.map { "\"\($0)\"" }.joined(separator: ", "))"
                + (hints.isEmpty ? "" : "; did you mean \(hints.map { "\"\($0)\"" }.joined(separator: ", "))?"))
        }
        return Import(survey: Survey(groups: countries, questions: questions), skipped: skipped, skippedRows: skippedRows)
    }

    /// The `options` column: a Python list whose items become text as the reference code's `str()` makes them
    /// (`'Yes'` → "Yes", `1.0` → "1.0", `3` → "3"); the real file mixes strings and numbers on the 0–10 scales.
    static func optionTexts(_ text: String, column: String) throws -> [String] {
        let value = try literal(text, column: column)
        guard case let .list(items) = value else { throw RowProblem("column \"\(column)\" is not a list") }
        return try items.map { item in
            switch item {
            case .list, .dict: throw RowProblem("column \"\(column)\" holds a nested container")
            default: return item.pythonStr
            }
        }
    }

    /// The `selections` column: `defaultdict(<class 'list'>, {'Country': [shares…], …})` (or a plain dict).
    static func countryShares(_ text: String) throws -> [String: [Double]] {
        let value = try literal(text, column: "selections")
        guard case let .dict(pairs) = value else { throw RowProblem("column \"selections\" is not a dict") }
        var out: [String: [Double]] = [:]
        for (key, list) in pairs {
            guard let country = key.stringValue, case let .list(items) = list else {
                throw RowProblem("column \"selections\" must map country names to lists of numbers")
            }
            out[country] = try items.map { item in
                guard let x = item.numberValue else {
                    throw RowProblem("column \"selections\": a share for \(country) is not a number")
                }
                return x
            }
        }
        return out
    }

    static func literal(_ text: String, column: String) throws -> PythonLiteral {
        do {
            return try PythonLiteral.parse(text)
        } catch let e as PythonLiteral.ParseError {
            throw RowProblem("column \"\(column)\": \(e)")
        }
    }
}

/// Why one data row was skipped; caught per row and turned into a `SkippedRow`.
private struct RowProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
