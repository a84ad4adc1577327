extension Tensor {
    /// Whether every element is finite (no NaN, no ±Inf), so a diverged model is never saved.
    public var isFinite: Bool {
        withUnsafeBufferPointer { p in
            // x − x is 0 for finite x and NaN otherwise; one pass without branches.
            var acc: Float = 0
            for x in p { acc += x - x }
            return acc == 0
        }
    }
}
