import Foundation
import TensorCore

/// Reads JSON Lines files one object per line, with errors that name the file and the line.
///
/// Bounds: a line holds at most `maxLineBytes` (16 MiB) — longer lines are refused with `file:line` before
/// they are parsed or tokenised — objects may not repeat a key (JSON parsers disagree on which copy wins), and nesting is bounded
/// (`JSONStructureCheck.maxDepth`), and so is the number of arrays, objects and elements on a line
/// (`JSONStructureCheck.maxItems`, 2¹⁸), which bounds what the parser allocates.
enum JSONLines {
    /// The longest line accepted, in bytes.
    static let maxLineBytes = 16 << 20

    /// Every non-blank line of `url` as a JSON object, with its 1-based line number.
    static func read(_ url: URL) throws -> [(line: Int, object: [String: Any])] {
        let data: Data
        do { data = try Data(contentsOf: url, options: [.mappedIfSafe]) } catch {
            throw DatasetError.badData(file: url.path, line: 0, "cannot read the file (\(SystemError.reason(error)))")
        }
        return try read(data: data, file: url)
    }

    /// Every non-blank line of a JSONL file's bytes; `file` names it in messages.
    static func read(data: Data, file url: URL) throws -> [(line: Int, object: [String: Any])] {
        var out: [(Int, [String: Any])] = []
        var number = 0
        var start = data.startIndex
        while start < data.endIndex {
            number += 1
            let end = data[start...].firstIndex(of: 0x0A) ?? data.endIndex
            defer { start = end < data.endIndex ? end + 1 : end }
            guard end - start <= maxLineBytes else {
                throw DatasetError.badData(file: url.path, line: number,
                                           "line of \(end - start) bytes is longer than the limit of \(maxLineBytes) bytes")
            }
            var raw = data[start..<end]
            if number == 1, raw.starts(with: [0xEF, 0xBB, 0xBF]) { raw = raw.dropFirst(3) }
            guard let text = String(data: raw, encoding: .utf8) else {
                throw DatasetError.badData(file: url.path, line: number, "the line is not valid UTF-8")
            }
            let line = trimmed(text)
            if line.isEmpty { continue }
            let bytes = Data(line.utf8)
            if let fault = JSONStructureCheck.fault(in: bytes) {
                throw DatasetError.badData(file: url.path, line: number, fault)
            }
            guard let obj = try? JSONSerialization.jsonObject(with: bytes) else {
                throw DatasetError.badData(file: url.path, line: number, "not valid JSON")
            }
            guard let dict = obj as? [String: Any] else {
                throw DatasetError.badData(file: url.path, line: number, "expected a JSON object")
            }
            out.append((number, dict))
        }
        if out.isEmpty { throw DatasetError.badData(file: url.path, line: 0, "no examples in the file") }
        return out
    }

    /// `text` without the leading and trailing `CharacterSet.whitespacesAndNewlines`. A line that starts and ends
    /// with a visible ASCII character, as JSON objects do (`{` … `}`), has nothing to trim and is returned without
    /// the Foundation call (in the fuzz profile of short files that call was a seventh of the read).
    static func trimmed(_ text: String) -> String {
        let bytes = text.utf8
        if let first = bytes.first, let last = bytes.last, (0x21...0x7E).contains(first), (0x21...0x7E).contains(last) {
            return text
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A required, non-empty string field.
    static func string(_ obj: [String: Any], _ key: String, file: URL, line: Int, allowEmpty: Bool = false) throws -> String {
        guard let value = obj[key] else {
            throw DatasetError.badData(file: file.path, line: line, "missing field \"\(key)\"")
        }
        guard let s = value as? String else {
            throw DatasetError.badData(file: file.path, line: line, "field \"\(key)\" must be a string, got \(typeName(value))")
        }
        if !allowEmpty && s.isEmpty {
            throw DatasetError.badData(file: file.path, line: line, "field \"\(key)\" is empty")
        }
        return s
    }

    /// An optional string field (absent or null gives nil; any other type, a number or a boolean included, is an
    /// error naming the key: `"group": 7` and `"group": 7.0` must not both silently become "7").
    static func optionalString(_ obj: [String: Any], _ key: String, file: URL, line: Int) throws -> String? {
        guard let value = obj[key], !(value is NSNull) else { return nil }
        if let s = value as? String { return s }
        throw DatasetError.badData(file: file.path, line: line, "field \"\(key)\" must be a string, got \(JSONLines.typeName(value))")
    }

    /// The JSON type of a parsed value, for messages.
    static func typeName(_ value: Any) -> String {
        if value is String { return "a string" }
        if let n = value as? NSNumber { return String(cString: n.objCType) == "c" ? "a boolean" : "a number" }
        if value is [Any] { return "an array" }
        if value is [String: Any] { return "an object" }
        return "null"
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
