import Foundation

/// Reads JSON Lines files one object per line, with errors that name the file and the line.
enum JSONLines {
    /// Every non-blank line of `url` as a JSON object, with its 1-based line number.
    static func read(_ url: URL) throws -> [(line: Int, object: [String: Any])] {
        guard let data = try? Data(contentsOf: url) else {
            throw DatasetError.badData(file: url.path, line: 0, "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DatasetError.badData(file: url.path, line: 0, "the file is not valid UTF-8")
        }
        var out: [(Int, [String: Any])] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) else {
                throw DatasetError.badData(file: url.path, line: i + 1, "not valid JSON")
            }
            guard let dict = obj as? [String: Any] else {
                throw DatasetError.badData(file: url.path, line: i + 1, "expected a JSON object")
            }
            out.append((i + 1, dict))
        }
        if out.isEmpty { throw DatasetError.badData(file: url.path, line: 0, "no examples in the file") }
        return out
    }

    /// A required, non-empty string field.
    static func string(_ obj: [String: Any], _ key: String, file: URL, line: Int, allowEmpty: Bool = false) throws -> String {
        guard let value = obj[key] else {
            throw DatasetError.badData(file: file.path, line: line, "missing field \"\(key)\"")
        }
        guard let s = value as? String else {
            throw DatasetError.badData(file: file.path, line: line, "field \"\(key)\" must be a string")
        }
        if !allowEmpty && s.isEmpty {
            throw DatasetError.badData(file: file.path, line: line, "field \"\(key)\" is empty")
        }
        return s
    }

    /// An optional string field (absent or null gives nil; any other non-string is an error).
    static func optionalString(_ obj: [String: Any], _ key: String, file: URL, line: Int) throws -> String? {
        guard let value = obj[key], !(value is NSNull) else { return nil }
        if let s = value as? String { return s }
        if let n = value as? NSNumber { return n.stringValue }
        throw DatasetError.badData(file: file.path, line: line, "field \"\(key)\" must be a string")
    }

    /// Writes one JSON object per line with sorted keys, atomically, creating the folder.
    static func write(_ objects: [[String: Any]], to url: URL) throws {
        var text = ""
        for obj in objects {
            text += String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self) + "\n"
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url, options: .atomic)
    }
}
