import Foundation

/// Appends one JSON object per line to `metrics.jsonl` in a run folder, flushed each line so that a crash loses
/// at most the line being written.
public final class MetricsLog {
    /// The file written.
    public let url: URL
    private let handle: FileHandle

    /// Opens `url` for appending (created if missing). With `truncateAfterStep`, lines whose `step` is greater are
    /// dropped first, so a resumed run continues the log exactly where its checkpoint was taken.
    public init(url: URL, truncateAfterStep: Int? = nil) throws {
        self.url = url
        let fm = FileManager.default
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let limit = truncateAfterStep, let text = try? String(contentsOf: url, encoding: .utf8) {
            let kept = text.split(separator: "\n").filter { line in
                guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let step = obj["step"] as? Int else { return true }
                return step <= limit
            }
            try Data(kept.map { $0 + "\n" }.joined().utf8).write(to: url, options: .atomic)
        } else if truncateAfterStep == nil {
            try Data().write(to: url)
        }
        if !fm.fileExists(atPath: url.path) { fm.createFile(atPath: url.path, contents: nil) }
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    /// Writes one record (keys sorted, numbers as JSON numbers; a NaN or infinite number, which JSON cannot
    /// hold, as null).
    public func write(_ record: [String: Any]) throws {
        let clean = record.mapValues { value -> Any in
            if let d = value as? Double, !d.isFinite { return NSNull() }
            if let f = value as? Float, !f.isFinite { return NSNull() }
            return value
        }
        let data = try JSONSerialization.data(withJSONObject: clean, options: [.sortedKeys])
        try handle.write(contentsOf: data + Data("\n".utf8))
    }

    /// Reads every record of a metrics file.
    public static func read(_ url: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map {
            guard let obj = try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] else {
                throw TrainingError.invalidInput("\(url.path): a line is not a JSON object")
            }
            return obj
        }
    }
}
