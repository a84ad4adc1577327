import Foundation

/// What `JSONSerialization` accepts silently but a data file must not contain: an object repeating a key
/// (which copy wins differs between parsers), nesting deeper than `maxDepth` (a parser that recurses per
/// level would overflow its stack) and more than `maxItems` arrays, objects and elements (Foundation spends about
/// 3 KB of memory per small object: a 16 MiB line of 500 000 chat messages peaked at 1.6 GB before it was
/// refused for its message count). One pass over the bytes, no recursion, safe on any input.
enum JSONStructureCheck {
    /// How deeply arrays and objects may nest in one JSONL line.
    static let maxDepth = 256
    /// The most items one JSONL line may hold, counted as its arrays and objects plus the commas between their
    /// elements (2¹⁸; a 256-response ranking or a 1 024-message conversation holds a few thousand).
    static let maxItems = 1 << 18

    /// The first fault found, as a message, or nil.
    static func fault(in data: Data) -> String? {
        // Over the raw bytes: `Data`'s subscript costs a call per byte, a tenth of a JSONL line's read.
        data.withUnsafeBytes { fault(in: $0) }
    }

    private static let tooManyItems = "more than \(maxItems) arrays, objects and elements in one line"

    private static func fault(in bytes: UnsafeRawBufferPointer) -> String? {
        var stack: [(isObject: Bool, keys: Set<String>, expectingKey: Bool)] = []
        var items = 0
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard stack.count < maxDepth else { return "arrays and objects nest deeper than \(maxDepth) levels" }
                items += 1
                guard items <= maxItems else { return tooManyItems }
                stack.append((c == UInt8(ascii: "{"), [], c == UInt8(ascii: "{")))
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
                i += 1
            case UInt8(ascii: ","):
                items += 1
                guard items <= maxItems else { return tooManyItems }
                if let top = stack.last, top.isObject { stack[stack.count - 1].expectingKey = true }
                i += 1
            case UInt8(ascii: "\""):
                let start = i
                var escaped = false
                i += 1
                while i < bytes.endIndex {
                    let d = bytes[i]
                    i += 1
                    if d == UInt8(ascii: "\\") { escaped = true; if i < bytes.endIndex { i += 1 }; continue }
                    if d == UInt8(ascii: "\"") { break }
                }
                if let top = stack.last, top.isObject, top.expectingKey {
                    let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<i])
                    let key = escaped ? ((try? JSONSerialization.jsonObject(with: Data(raw), options: .fragmentsAllowed)) as? String)
                        ?? String(decoding: raw, as: UTF8.self) : String(decoding: raw.dropFirst().dropLast(), as: UTF8.self)
                    if top.keys.contains(key) { return "duplicate key \"\(key)\"" }
                    stack[stack.count - 1].keys.insert(key)
                    stack[stack.count - 1].expectingKey = false
                }
            default:
                i += 1
            }
        }
        return nil
    }
}
