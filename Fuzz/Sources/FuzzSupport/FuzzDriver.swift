import Foundation
import Tokenizer

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

/// The chat-template bounds the template targets render with. The stack-safety bounds (nesting, render depth,
/// value nesting) stay at their defaults, which is what is fuzzed; the work bounds are cut so that one input costs
/// milliseconds instead of up to a second (the defaults' worst cases are covered by ChatTemplateLimitsTests): a
/// fuzzer finds a runaway loop as fast at 2 000 passes as at 100 000, and spends its time on new inputs instead.
/// The output is cut at 1 MiB too (2 000 passes of a 6 KiB input's text would write 12 MB per render).
public let fuzzTemplateLimits: ChatTemplateLimits = {
    var limits = ChatTemplateLimits()
    limits.maxSteps = 20_000
    limits.maxLoopPasses = 2_000
    limits.maxBytesBuilt = 1 << 20
    limits.maxOutputBytes = 1 << 20
    return limits
}()

@_silgen_name("__lsan_disable") private func lsanDisable()
@_silgen_name("__lsan_enable") private func lsanEnable()

/// Runs a target's one-time setup with LeakSanitizer's accounting off: objects built once and kept for the whole
/// run (a parsed chat template, a model) are reachable, but partly only through Swift enum payloads whose pointers
/// carry tag bits, which LeakSanitizer does not recognise, so it would report them as leaked at exit. Leaks made
/// while fuzzing are still found.
public func keptForTheWholeRun<T>(_ body: () throws -> T) rethrows -> T {
    lsanDisable()
    defer { lsanEnable() }
    return try body()
}
