import Foundation

extension SafeTensors {
    /// Writes `tensors` as safetensors of `dtype` (default F32; F16 and BF16 round to nearest even), atomically:
    /// the bytes go to a temporary file in the target's folder, which is renamed over `url` only when complete,
    /// so readers never see a half-written file and a failed write leaves whatever was at `url` untouched.
    ///
    /// Layout is deterministic: tensors sorted by name, laid out in that order; `__metadata__` first with
    /// `"format": "pt"` plus `metadata`; the JSON header padded with spaces to a multiple of 8 bytes so the
    /// buffer starts 8-byte aligned. Names must be non-empty and not `__metadata__`; `metadata` may not
    /// redefine `format`.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], dtype: SafeTensorsDType = .f32,
                             to url: URL) throws {
        let path = url.path
        let names = tensors.keys.sorted()
        let header = try headerBytes(names: names, tensors: tensors, metadata: metadata, dtype: dtype, path: path)

        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0 ... .max)).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TensorError.io(path: path, "cannot create temporary file: \(errnoText())") }
        var renamed = false
        defer {
            if !renamed { unlink(temporary.path) }
        }
        do {
            defer { close(fd) }
            let prefix = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header
            try prefix.withUnsafeBytes { try writeAll(fd, $0.baseAddress!, $0.count, path: path) }
            for name in names {
                let t = tensors[name]!
                try t.withUnsafeBufferPointer { b in
                    guard b.count > 0 else { return }
                    if dtype == .f32 { try writeAll(fd, UnsafeRawPointer(b.baseAddress!), b.count * 4, path: path); return }
                    let bytes = UnsafeMutableRawPointer.allocate(byteCount: b.count * dtype.byteSize, alignment: 8)
                    defer { bytes.deallocate() }
                    dtype.encode(b.baseAddress!, count: b.count, into: bytes)
                    try writeAll(fd, UnsafeRawPointer(bytes), b.count * dtype.byteSize, path: path)
                }
            }
            guard fsync(fd) == 0 else { throw TensorError.io(path: path, "cannot flush: \(errnoText())") }
        }
        guard rename(temporary.path, path) == 0 else {
            throw TensorError.io(path: path, "cannot move the finished file into place: \(errnoText())")
        }
        renamed = true
    }

    /// The padded JSON header for tensors laid out in `names` order.
    static func headerBytes(names: [String], tensors: [String: Tensor], metadata: [String: String],
                            dtype: SafeTensorsDType = .f32, path: String) throws -> [UInt8] {
        if let format = metadata["format"], format != "pt" {
            throw TensorError.invalidArgument(op: "safetensors write \(path)", "metadata 'format' is reserved for \"pt\", got \"\(format)\"")
        }
        var meta = metadata
        meta["format"] = "pt"
        var json = "{" + jsonString(metadataKey) + ":{"
        json += meta.keys.sorted().map { jsonString($0) + ":" + jsonString(meta[$0]!) }.joined(separator: ",") + "}"
        var offset = 0
        for name in names {
            guard !name.isEmpty, name != metadataKey else {
                throw TensorError.invalidArgument(op: "safetensors write \(path)", "invalid tensor name '\(name)'")
            }
            let t = tensors[name]!
            let end = offset + t.count * dtype.byteSize
            json += "," + jsonString(name) + ":{\"dtype\":\"\(dtype.rawValue)\",\"shape\":[" + t.shape.map(String.init).joined(separator: ",")
                + "],\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        json += "}"
        var bytes = Array(json.utf8)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - bytes.count % 8) % 8))
        return bytes
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped, everything else as UTF-8.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func writeAll(_ fd: Int32, _ start: UnsafeRawPointer, _ count: Int, path: String) throws {
        var done = 0
        while done < count {
            let n = Foundation.write(fd, start + done, count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw TensorError.io(path: path, "cannot write: \(errnoText())") }
            done += n
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
