import Autograd
import TensorCore
import TestSupport
import XCTest

/// `backward` releasing each node once back-propagated (`TapeMemory.releasesGraph`, PyTorch's default): the
/// saved tensors and inner values are gone when it returns even though the caller still holds the root, the
/// gradients are the same floats as with the graph retained, and `retainGraph: true` keeps a graph for a second
/// backward.
final class GraphReleaseTests: XCTestCase {
    static let n = 64 * 1024

    /// Σ exp(exp(…exp(x)…)) · 1e-3 over `depth` exps; only the root is returned, so the graph alone holds the
    /// inner values (each exp keeps its output for its backward).
    static func chain(_ x: Variable, depth: Int) throws -> Variable {
        var y = x
        for _ in 0..<depth { y = (y * 0.5).exp() }
        return y.sum() * 1e-3
    }

    /// Live tensor bytes after a backward while the root is still held, above what was live before the forward,
    /// and the leaf gradient.
    static func liveAfterBackward(retain: Bool) throws -> (bytes: Int, grad: [Float]) {
        let x = Variable(randomTensor([n], seed: 3, low: -0.5, high: 0.5), requiresGrad: true)
        let base = TensorMemory.liveBytes
        let root = try chain(x, depth: 6)
        root.backward(retainGraph: retain)
        let live = TensorMemory.liveBytes - base
        withExtendedLifetime(root) {}
        return (live, x.grad!.scalars)
    }

    func testReleasedGraphFreesSavedTensorsAndKeepsGradients() throws {
        let released = try Self.liveAfterBackward(retain: false)
        let retained = try Self.liveAfterBackward(retain: true)
        XCTAssertEqual(released.grad, retained.grad, "releasing the graph changes no gradient")
        let tensor = Self.n * 4
        // Released: the leaf's gradient (and the scalar root) only. Retained: every inner value of the chain too.
        XCTAssertLessThan(released.bytes, tensor + 4096, "released graph keeps \(released.bytes) B")
        XCTAssertGreaterThan(retained.bytes, 12 * tensor, "retained graph keeps \(retained.bytes) B")
    }

    /// The flag turns the default off: then a second backward through the same graph accumulates again.
    func testFlagOffRetainsByDefault() throws {
        TapeMemory.releasesGraph = false
        defer { TapeMemory.releasesGraph = true }
        let x = Variable(randomTensor([8], seed: 4), requiresGrad: true)
        let root = try Self.chain(x, depth: 2)
        root.backward()
        let once = x.grad!.scalars
        root.backward()
        assertClose(x.grad!.scalars, once.map { 2 * $0 }, rtol: 1e-6, atol: 0)
    }

    /// The peak of forward + backward falls when gradients of parameters pile up during the backward (as in
    /// training): y ← exp(y · wᵢ) with a weight per level, so the retained graph ends with every level's two values
    /// and every weight's gradient alive at once, the released one with the gradients only.
    func testPeakDuringBackwardFalls() throws {
        func peak(retain: Bool) throws -> Int {
            let depth = 8
            let weights = (0..<depth).map { Variable(randomTensor([Self.n], seed: 10 + UInt64($0), low: 0.2, high: 0.6), requiresGrad: true) }
            let x = Variable(randomTensor([Self.n], seed: 5, low: -0.5, high: 0.5))
            return try TensorMemory.peakBytes { () throws -> Void in
                var y = x
                for w in weights { y = try (y * w).exp() }
                let root = try y.sum() * 1e-3
                y = x
                root.backward(retainGraph: retain)
            }.bytes
        }
        let released = try peak(retain: false), retained = try peak(retain: true)
        XCTAssertLessThan(Double(released), 0.85 * Double(retained), "peak \(released) B released vs \(retained) B retained")
    }
}
