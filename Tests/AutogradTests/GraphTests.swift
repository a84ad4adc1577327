import Foundation
import Autograd
import TensorCore
import TestSupport
import XCTest

final class GraphTests: XCTestCase {
    private let x0 = randomTensor([2, 3], seed: 900)

    func testBackwardTwiceDoublesLeafGradient() throws {
        let x = Variable(x0, requiresGrad: true)
        let loss = try (x * x).sum()
        loss.backward(retainGraph: true)                     // kept for the second backward
        let once = x0.scalars.map { 2 * $0 }                 // d/dx Σ x² = 2x
        assertClose(x.grad!.scalars, once, rtol: 1e-6, atol: 0)
        loss.backward()
        assertClose(x.grad!.scalars, once.map { 2 * $0 }, rtol: 1e-6, atol: 0)
        x.zeroGrad()
        XCTAssertNil(x.grad)
    }

    func testWithNoGradRecordsNothing() throws {
        let x = Variable(x0, requiresGrad: true)
        let y = try withNoGrad { try (x * x).exp().sum() }
        XCTAssertFalse(y.requiresGrad)
        assertClose(y.value.item, x0.scalars.reduce(0) { $0 + Foundation.exp($1 * $1) }, rtol: 1e-6, atol: 0)
        y.backward()
        XCTAssertNil(x.grad, "no graph, so no gradient reaches the leaf")
        XCTAssertTrue(GradMode.isEnabled, "mode restored after the block")
        XCTAssertTrue((x * 2).requiresGrad)
    }

    func testDetachedStopsGradient() throws {
        let x = Variable(x0, requiresGrad: true)
        let d = x.detached()
        XCTAssertFalse(d.requiresGrad)
        XCTAssertEqual(d.value.scalars, x0.scalars)
        try (d * x).sum().backward()                         // only the live factor carries gradient: d/dx = x
        assertClose(x.grad!.scalars, x0.scalars, rtol: 0, atol: 0)
    }

    func testInputsWithoutGradBuildNoGraph() throws {
        let a = Variable(x0), b = Variable(x0)
        XCTAssertFalse(try (a + b).relu().sum().requiresGrad)
    }
}
