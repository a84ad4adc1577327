import Foundation
import TensorCore
import TestSupport
import XCTest
@testable import Autograd

/// AdamW and SGD against trajectories recorded from PyTorch (Fixtures/make_adamw_fixture.py).
final class OptimizerFixtureTests: XCTestCase {
    struct Trajectories: Decodable {
        struct Run: Decodable {
            var lr: [Float]
            var after_step: [[String: [Float]]]
            var state: [String: [Float]]
            var weight_decay: Float
            var momentum: Float?
        }
        var initial: [String: [Float]]
        var shapes: [String: [Int]]
        var grads: [[String: [Float]]]
        var runs: [String: Run]
    }

    static func load() throws -> Trajectories {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "optimizer_trajectories", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Trajectories.self, from: Data(contentsOf: url))
    }

    /// Fresh W (2×3) and b (3) at the fixture's starting values; order matches the script's state indices.
    static func parameters(_ f: Trajectories) -> [Variable] {
        ["W", "b"].map { Variable(Tensor(shape: f.shapes[$0]!, f.initial[$0]!), requiresGrad: true, name: $0) }
    }

    /// Runs steps `range` of `run`: sets the scheduled lr and the recorded gradients, steps, checks parameters.
    static func replay(_ f: Trajectories, _ run: Trajectories.Run, _ opt: Optimizer, steps range: Range<Int>,
                       file: StaticString = #filePath, line: UInt = #line) {
        for t in range {
            opt.lr = run.lr[t]
            for p in opt.parameters { p.grad = Tensor(shape: p.shape, f.grads[t][p.name!]!) }
            opt.step()
            for p in opt.parameters {
                assertClose(p.value.scalars, run.after_step[t][p.name!]!, rtol: 0, atol: 1e-6, "\(p.name!) after step \(t + 1)",
                            file: file, line: line)
            }
        }
    }

    static func assertState(_ state: OptimizerState, _ run: Trajectories.Run, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Set(state.tensors.keys), Set(run.state.keys), file: file, line: line)
        for (key, want) in run.state {
            assertClose(state.tensors[key]?.scalars ?? [], want, rtol: 1e-6, atol: 1e-9, key, file: file, line: line)
        }
    }

    func testAdamWDecayOnMatricesOnlyMatchesTorch() throws {
        let f = try Self.load(), run = f.runs["adamw_decay_W_only"]!
        let opt = try AdamW(parameters: Self.parameters(f), lr: run.lr[0], weightDecay: run.weight_decay,
                            decayMask: AdamW.decayMatricesOnly)
        XCTAssertEqual(opt.decays, [true, false])
        Self.replay(f, run, opt, steps: 0..<5)
        Self.assertState(opt.state, run)
    }

    func testAdamWDecayEverywhereMatchesTorch() throws {
        let f = try Self.load(), run = f.runs["adamw_decay_all"]!
        let opt = try AdamW(parameters: Self.parameters(f), lr: run.lr[0], weightDecay: run.weight_decay)
        Self.replay(f, run, opt, steps: 0..<5)
        Self.assertState(opt.state, run)
        // The runs differ only in b's decay, so b must differ and W must not.
        let other = f.runs["adamw_decay_W_only"]!.after_step[4]
        XCTAssertEqual(run.after_step[4]["W"], other["W"])
        XCTAssertNotEqual(run.after_step[4]["b"], other["b"])
    }

    func testAdamWWithLearningRateChangedEveryStepMatchesTorch() throws {
        let f = try Self.load(), run = f.runs["adamw_lr_schedule"]!
        let opt = try AdamW(parameters: Self.parameters(f), lr: 123, weightDecay: run.weight_decay, decayMask: AdamW.decayMatricesOnly)
        Self.replay(f, run, opt, steps: 0..<5)
    }

    func testSGDMomentumMatchesTorch() throws {
        let f = try Self.load()
        for name in ["sgd_momentum", "sgd_momentum_decay"] {
            let run = f.runs[name]!
            let opt = try SGD(parameters: Self.parameters(f), lr: run.lr[0], momentum: run.momentum!, weightDecay: run.weight_decay)
            Self.replay(f, run, opt, steps: 0..<5)
            Self.assertState(opt.state, run)
        }
    }

    func testAdamWResumedFromSafetensorsStateContinuesTheSameTrajectory() throws {
        let f = try Self.load(), run = f.runs["adamw_decay_W_only"]!
        let first = try AdamW(parameters: Self.parameters(f), lr: run.lr[0], weightDecay: run.weight_decay,
                              decayMask: AdamW.decayMatricesOnly)
        Self.replay(f, run, first, steps: 0..<3)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("optim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("optimizer.safetensors")
        try SafeTensors.write(first.state.tensors, to: url)

        // A new optimizer over parameters holding the step-3 values, with the state read back from disk.
        let params = Self.parameters(f)
        for p in params { p.assign(Tensor(shape: p.shape, run.after_step[2][p.name!]!)) }
        let resumed = try AdamW(parameters: params, lr: run.lr[0], weightDecay: run.weight_decay, decayMask: AdamW.decayMatricesOnly)
        try resumed.loadState(OptimizerState(tensors: SafeTensors.read(contentsOf: url).tensors))
        Self.replay(f, run, resumed, steps: 3..<5)
        Self.assertState(resumed.state, run)
    }

    func testSGDResumedFromCodableStateContinuesTheSameTrajectory() throws {
        let f = try Self.load(), run = f.runs["sgd_momentum_decay"]!
        let first = try SGD(parameters: Self.parameters(f), lr: 0.05, momentum: 0.9, weightDecay: 0.01)
        Self.replay(f, run, first, steps: 0..<2)
        let json = try JSONEncoder().encode(first.state)
        let params = Self.parameters(f)
        for p in params { p.assign(Tensor(shape: p.shape, run.after_step[1][p.name!]!)) }
        let resumed = try SGD(parameters: params, lr: 0.05, momentum: 0.9, weightDecay: 0.01)
        try resumed.loadState(JSONDecoder().decode(OptimizerState.self, from: json))
        Self.replay(f, run, resumed, steps: 2..<5)
    }
}
