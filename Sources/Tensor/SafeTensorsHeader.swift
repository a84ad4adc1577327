import Foundation

/// One tensor's header entry, after validation: offsets are relative to the byte buffer.
struct SafeTensorsEntry {
    var name: String
    var dtype: SafeTensorsDType
    var shape: [Int]
    var begin: Int
    var end: Int
    /// The product of `shape` (checked against overflow when the header was parsed).
    var elementCount: Int { shape.reduce(1, *) }
}

/// The parsed and validated header of a safetensors file.
struct SafeTensorsHeader {
    var entries: [SafeTensorsEntry]
    var metadata: [String: String]
    /// Where the byte buffer starts in the file (8 + header length); set by the reader.
    var bufferStart = 0

    /// Parses the header JSON and checks every entry against a byte buffer of `bufferSize` bytes, with the rules
    /// of the reference implementation: known dtype, shape and offsets of non-negative integers, each tensor's
    /// byte length = elements × dtype size, and the offsets, sorted, tiling the buffer exactly (no gap, no overlap,
    /// nothing left over). Faults are thrown as one-line `String`s for the caller to attach the path to.
    static func parse(_ json: Data, bufferSize: Int) throws -> SafeTensorsHeader {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed]) } catch {
            throw HeaderFault("header is not valid JSON")
        }
        guard object is [String: Any] else { throw HeaderFault("header is not a JSON object") }
        // JSONDecoder is strict about types (no `true` or `1.5` where an integer belongs), so it does the fields.
        let raw: RawHeader
        do { raw = try JSONDecoder().decode(RawHeader.self, from: json) } catch let fault as HeaderFault {
            throw fault
        } catch {
            throw HeaderFault("header is not valid JSON")
        }
        var entries = raw.entries
        guard entries.count <= SafeTensors.maxTensorCount else {
            throw HeaderFault("header declares \(entries.count) tensors, more than the limit of \(SafeTensors.maxTensorCount)")
        }
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var cursor = 0
        for e in entries {
            guard e.end <= bufferSize else {
                throw HeaderFault("tensor '\(e.name)': data_offsets [\(e.begin), \(e.end)] lie outside the \(bufferSize)-byte buffer")
            }
            guard e.begin == cursor else {
                let what = e.begin < cursor ? "overlap the previous tensor" : "leave a gap after byte \(cursor)"
                throw HeaderFault("tensor '\(e.name)': data_offsets [\(e.begin), \(e.end)] \(what)")
            }
            let (elements, o1) = e.shape.reduce((1, false)) { acc, d in
                let r = acc.0.multipliedReportingOverflow(by: d); return (r.partialValue, acc.1 || r.overflow)
            }
            let (bytes, o2) = elements.multipliedReportingOverflow(by: e.dtype.byteSize)
            guard !o1, !o2, bytes == e.end - e.begin else {
                throw HeaderFault("tensor '\(e.name)': data_offsets [\(e.begin), \(e.end)] span \(e.end - e.begin) bytes, "
                                  + "but shape \(e.shape) of \(e.dtype.rawValue) needs \(o1 || o2 ? "more" : String(bytes))")
            }
            cursor = e.end
        }
        guard cursor == bufferSize else {
            throw HeaderFault("tensors cover \(cursor) bytes but the buffer after the header is \(bufferSize) bytes")
        }
        return SafeTensorsHeader(entries: entries, metadata: raw.metadata)
    }
}

/// A header problem, before the file path is attached.
struct HeaderFault: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Decodes the header object key by key so that each fault names the tensor and field.
private struct RawHeader: Decodable {
    var entries: [SafeTensorsEntry] = []
    var metadata: [String: String] = [:]

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    enum Field: String, CodingKey { case dtype, shape, data_offsets }

    init(from decoder: Decoder) throws {
        let top = try decoder.container(keyedBy: AnyKey.self)
        for key in top.allKeys {
            let name = key.stringValue
            if name == SafeTensors.metadataKey {
                guard let m = try? top.decode([String: String].self, forKey: key) else {
                    throw HeaderFault("'\(name)' is not a map of strings to strings")
                }
                metadata = m
                continue
            }
            guard let fields = try? top.nestedContainer(keyedBy: Field.self, forKey: key) else {
                throw HeaderFault("tensor '\(name)': entry is not a JSON object")
            }
            guard let dtypeName = try? fields.decode(String.self, forKey: .dtype) else {
                throw HeaderFault("tensor '\(name)': missing or non-string 'dtype'")
            }
            guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
                let known = SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
                throw HeaderFault("tensor '\(name)': unsupported dtype '\(dtypeName)' (supported: \(known))")
            }
            guard let shape = try? fields.decode([Int].self, forKey: .shape), shape.allSatisfy({ $0 >= 0 }) else {
                throw HeaderFault("tensor '\(name)': missing or invalid 'shape' (need an array of non-negative integers)")
            }
            guard let offsets = try? fields.decode([Int].self, forKey: .data_offsets), offsets.count == 2,
                  offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw HeaderFault("tensor '\(name)': missing or invalid 'data_offsets' (need [begin, end] with 0 <= begin <= end)")
            }
            entries.append(SafeTensorsEntry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1]))
        }
    }
}
