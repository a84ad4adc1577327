import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import TensorCore
import XCTest

/// The game solvers against games solved by hand and against each other.
final class MinMaxGameTests: XCTestCase {
    /// Checks both solvers on a game whose equilibrium (q, w, v) is known in closed form.
    func assertSolves(_ matrix: [[Double]], row q: [Double], column w: [Double], value v: Double,
                      file: StaticString = #filePath, line: UInt = #line) throws {
        let game = try MinMaxGame(payoff: matrix)
        for (name, s) in [("optimistic", game.solveOptimistic()), ("lp", try game.solveExactly())] {
            assertNear(s.row, q, 1e-3, "\(name) q", file: file, line: line)
            assertNear(s.column, w, 1e-3, "\(name) w", file: file, line: line)
            XCTAssertEqual(s.value, v, accuracy: 1e-3, "\(name) value", file: file, line: line)
            XCTAssertLessThan(s.dualityGap, 1e-3, "\(name) gap", file: file, line: line)
        }
    }

    func assertNear(_ a: [Double], _ b: [Double], _ tol: Double, _ message: String,
                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, file: file, line: line)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: tol, "\(message): \(a) vs \(b)", file: file, line: line) }
    }

    func testMatchingPennies() throws {
        try assertSolves([[1, -1], [-1, 1]], row: [0.5, 0.5], column: [0.5, 0.5], value: 0)
    }

    func testPureSaddlePoint() throws {
        // Row 1 dominates row 0 and column 1 dominates column 0 for the minimiser: saddle at (1, 1), value 2.
        try assertSolves([[3, 1], [4, 2]], row: [0, 1], column: [0, 1], value: 2)
    }

    func testMixedTwoByTwo() throws {
        // A = [[4, 1], [2, 3]] has no saddle (max of row minima 2 < min of column maxima 3).
        // Row q = (p, 1−p) equalises the columns: 4p + 2(1−p) = p + 3(1−p)  =>  p = 1/4, value 2 + 2p = 5/2.
        // Column w = (r, 1−r) equalises the rows: 4r + (1−r) = 2r + 3(1−r)  =>  r = 1/2, value 1 + 3r = 5/2.
        try assertSolves([[4, 1], [2, 3]], row: [0.25, 0.75], column: [0.5, 0.5], value: 2.5)
    }

    func testRockPaperScissors() throws {
        let third = 1.0 / 3
        try assertSolves([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], row: [third, third, third], column: [third, third, third], value: 0)
    }

    func testNonSymmetricThreeByThree() throws {
        // A = [[2, 1, 0], [0, 3, 1], [1, 0, 4]] is invertible with a full-support equilibrium, so each player
        // equalises the other's payoffs: w ∝ A⁻¹1 = (9, 7, 4)/25 and q ∝ A⁻ᵀ1 = (10, 5, 5)/25, value 1/(1ᵀA⁻¹1) = 5/4.
        // Check: A w = (25, 25, 25)/20 and Aᵀ q = (1.25, 1.25, 1.25).
        try assertSolves([[2, 1, 0], [0, 3, 1], [1, 0, 4]], row: [0.5, 0.25, 0.25], column: [0.45, 0.35, 0.2], value: 1.25)
    }

    func testDegenerateGames() throws {
        // Duplicate rows make the row player's equilibrium a segment and the LP degenerate (tied ratios); the
        // value is still 1/2 (w = (1/2, 1/2)). A constant game is solved by anything, with value the constant.
        for (matrix, value) in [([[1.0, 0], [1, 0], [0, 1]], 0.5), ([[2.0, 2, 2], [2, 2, 2]], 2.0)] {
            let game = try MinMaxGame(payoff: matrix)
            for s in [game.solveOptimistic(), try game.solveExactly()] {
                XCTAssertEqual(s.value, value, accuracy: 1e-4, "\(matrix)")
                XCTAssertLessThan(s.dualityGap, 1e-4, "\(matrix)")
            }
        }
    }

    func testRandomGamesOptimisticMatchesLP() throws {
        var rng = SeededGenerator(seed: 7)
        for trial in 0..<10 {
            let matrix = (0..<4).map { _ in (0..<5).map { _ in 2 * rng.nextUniformDouble() - 1 } }
            let game = try MinMaxGame(payoff: matrix)
            let lp = try game.solveExactly()
            XCTAssertLessThan(lp.dualityGap, 1e-9, "trial \(trial): LP is exact")
            let oeg = game.solveOptimistic(tolerance: 1e-4)
            XCTAssertLessThanOrEqual(oeg.dualityGap, 1e-4, "trial \(trial): stopped on the tolerance")
            XCTAssertEqual(oeg.value, lp.value, accuracy: 1e-3, "trial \(trial)")
            // Exploitability: how much a best response gains over the game value against each strategy.
            XCTAssertLessThan(game.bestResponseValue(toColumn: oeg.column) - lp.value, 1e-3, "trial \(trial): w")
            XCTAssertLessThan(lp.value - game.guaranteedValue(ofRow: oeg.row), 1e-3, "trial \(trial): q")
            XCTAssertEqual(oeg.column.reduce(0, +), 1, accuracy: 1e-12)
            XCTAssertEqual(oeg.row.reduce(0, +), 1, accuracy: 1e-12)
        }
    }

    func testSimplexOnAKnownLP() throws {
        // max 3x + 5y s.t. x ≤ 4, 2y ≤ 12, 3x + 2y ≤ 18: optimum (2, 6) with value 36 and duals (0, 3/2, 1).
        let s = try DenseSimplex.maximize(objective: [3, 5], constraints: [[1, 0], [0, 2], [3, 2]], bounds: [4, 12, 18])
        assertNear(s.x, [2, 6], 1e-12, "x")
        assertNear(s.dual, [0, 1.5, 1], 1e-12, "y")
        XCTAssertEqual(s.objective, 36, accuracy: 1e-12)
    }

    func testBadInputsNameTheProblem() {
        XCTAssertThrowsError(try MinMaxGame(payoff: [[1, 2], [3]])) { XCTAssertTrue("\($0)".contains("row 1")) }
        XCTAssertThrowsError(try MinMaxGame(payoff: [[1, .nan]])) { XCTAssertTrue("\($0)".contains("[0, 1]")) }
        XCTAssertThrowsError(try DenseSimplex.maximize(objective: [1], constraints: [[-1]], bounds: [1])) {
            XCTAssertTrue("\($0)".contains("unbounded"))
        }
    }
}
