/// Whether sequence log-probs of responses that share a prompt run the prompt once (`SharedPrefixBatch`) or once
/// per response (one padded row each). The results are the same up to float rounding; the switch exists to
/// compare the two (`--prefix-sharing off`, tests) and as a way out should a model family misbehave packed.
public enum PrefixSharing {
    /// On unless turned off for the process (the CLI's `--prefix-sharing`) or a scope (`with`).
    nonisolated(unsafe) public static var isEnabled = true

    /// Runs `body` with prefix sharing `enabled`, restoring the previous setting afterwards.
    public static func with<T>(_ enabled: Bool, _ body: () throws -> T) rethrows -> T {
        let previous = isEnabled
        isEnabled = enabled
        defer { isEnabled = previous }
        return try body()
    }
}
