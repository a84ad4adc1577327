import Dispatch

/// Where a one-token decoding step's time goes (`bench generate --breakdown`): wall time per part of
/// `Llama.decodeStep`, summed over the steps run while `enabled`. Off by default, when a part costs one branch.
public enum DecodeStepProfile {
    /// The parts of a step, in the order a layer runs them (`head` is the final norm and the vocabulary product).
    public enum Part: Int, CaseIterable, Sendable {
        case embed, norms, qkv, qkNormRope, attention, oProj, residual, gateUp, activation, down, head
    }

    /// Whether `decodeStep` times its parts.
    nonisolated(unsafe) public static var enabled = false
    /// Nanoseconds per part since the last `reset`.
    nonisolated(unsafe) public private(set) static var nanoseconds = [UInt64](repeating: 0, count: Part.allCases.count)
    /// Steps timed since the last `reset`.
    nonisolated(unsafe) public internal(set) static var steps = 0

    /// Clears the sums.
    public static func reset() {
        nanoseconds = [UInt64](repeating: 0, count: Part.allCases.count)
        steps = 0
    }

    /// Runs `body`, adding its wall time to `part` when enabled.
    @inline(__always)
    static func time<R>(_ part: Part, _ body: () throws -> R) rethrows -> R {
        guard enabled else { return try body() }
        let t0 = DispatchTime.now().uptimeNanoseconds
        defer { nanoseconds[part.rawValue] += DispatchTime.now().uptimeNanoseconds - t0 }
        return try body()
    }
}
