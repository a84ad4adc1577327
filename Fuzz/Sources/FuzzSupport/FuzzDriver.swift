import Foundation

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

nonisolated(unsafe) private var target: ((UnsafeRawBufferPointer) -> Void)?

/// Hands the process to libFuzzer with `body` as the target. SwiftPM gives every executable its own `main`
/// (renamed per target), so libFuzzer's own `main` cannot be used: this calls `LLVMFuzzerRunDriver`, which
/// parses the usual libFuzzer flags (`-max_total_time=60 corpus/`…) from the command line.
public func runFuzzer(_ body: @escaping (UnsafeRawBufferPointer) -> Void) -> Never {
    target = body
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        target?(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }
    exit(status)
}

/// libFuzzer's archive refers to this name even when driven by `LLVMFuzzerRunDriver`; it runs the same target.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    target?(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
