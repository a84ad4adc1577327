#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A read-only memory map of a whole file, so that a reader touches only the pages it decodes and a file's size
/// never turns into an allocation of that size. Unmapped when the last reference goes away.
final class MappedFile {
    /// The mapped bytes (empty for an empty file).
    let bytes: UnsafeRawBufferPointer
    private let mapping: UnsafeMutableRawPointer?

    /// Maps `path`; failures (missing file, a folder, no permission) become one-line `TensorError.io`.
    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw TensorError.io(path: path, "cannot read: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw TensorError.io(path: path, "cannot read: \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw TensorError.io(path: path, "cannot read: not a regular file") }
        let size = Int(info.st_size)
        guard size > 0 else {
            mapping = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else {
            throw TensorError.io(path: path, "cannot map \(size) bytes: \(String(cString: strerror(errno)))")
        }
        mapping = p
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    deinit { if let mapping { munmap(mapping, bytes.count) } }
}
