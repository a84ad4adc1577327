import Foundation

/// RFC 4180 CSV: comma-separated fields, fields in double quotes may hold commas, newlines and doubled quotes
/// (`""`), records end with LF or CRLF. Errors name the file and the line.
public enum CSVReader {
    /// One record with the 1-based line on which it starts.
    public struct Record: Equatable, Sendable {
        /// Line of the record's first character.
        public var line: Int
        /// The unquoted field values.
        public var fields: [String]
    }

    /// Parses CSV text; `file` only names the source in errors. Blank lines are skipped.
    public static func parse(_ data: Data, file: String) throws -> [Record] {
        guard String(data: data, encoding: .utf8) != nil else {
            throw DatasetError.badData(file: file, line: 0, "the file is not valid UTF-8")
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, recordLine = 1
        var i = 0
        let n = bytes.count

        func endField() { fields.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true) }
        func endRecord() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: recordLine, fields: fields)) }
            fields.removeAll(keepingCapacity: true)
        }

        while i < n {
            if fields.isEmpty && field.isEmpty { recordLine = line }
            if bytes[i] == quote && field.isEmpty {
                // Quoted field: runs to the next quote not doubled.
                let openLine = line
                i += 1
                var closed = false
                while i < n {
                    let b = bytes[i]
                    if b == quote {
                        if i + 1 < n && bytes[i + 1] == quote { field.append(quote); i += 2; continue }
                        closed = true; i += 1; break
                    }
                    if b == lf { line += 1 }
                    field.append(b); i += 1
                }
                guard closed else {
                    throw DatasetError.badData(file: file, line: openLine,
                                                 "quoted field opened on this line is never closed")
                }
                if i < n && bytes[i] != comma && bytes[i] != lf && !(bytes[i] == cr && i + 1 < n && bytes[i + 1] == lf) {
                    throw DatasetError.badData(file: file, line: line,
                        "unexpected character '\(String(decoding: [bytes[i]], as: UTF8.self))' after a closing quote")
                }
                if i == n { break }
            }
            let b = bytes[i]
            if b == comma {
                endField(); i += 1
            } else if b == lf || (b == cr && i + 1 < n && bytes[i + 1] == lf) {
                endRecord()
                i += (b == cr ? 2 : 1)
                line += 1
            } else if b == quote {
                throw DatasetError.badData(file: file, line: line, "a quote inside an unquoted field")
            } else {
                field.append(b); i += 1
            }
        }
        if !fields.isEmpty || !field.isEmpty { endRecord() }
        return records
    }
}
