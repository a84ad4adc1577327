import ArgumentParser
import Autograd
import Distributed
import Foundation
import Models
import TensorCore
import Training

/// `tinyalign bench data-parallel`: training steps of the tiny, small or SmolLM2-135M-shaped model with the
/// gradient sum over the ranks of `mpirun -np N` (alone it is N = 1 and nothing is communicated): samples/s of
/// the whole job and the time of the bucketed all-reduce per step, for the cost model in docs/distributed.md.
struct BenchDataParallel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data-parallel",
        abstract: "Samples/s of data-parallel training steps under mpirun -np N, and the all-reduce time per step.")

    @Option(help: "tiny, small (vocab 256, full context) or smollm2-135m (256 tokens).") var config = "small"
    @Option(help: "Sequences per step on each rank.") var batchSize = 4
    @Option(help: "Timed steps (after 2 warm-up steps).") var steps = 5
    @Option(help: "Threads per rank (default: the host's cores / its ranks).") var threadsPerRank: Int?

    func run() throws {
        guard batchSize > 0, steps > 0 else { throw CLIError("--batch-size and --steps must be positive") }
        let world = try World.communicator()
        if world.size > 1 || threadsPerRank != nil {
            DataParallel.setThreads(threadsPerRank ?? DataParallel.defaultThreads(localRanks: world.localSize))
        }
        let model = try BenchModels.make(config)
        let optimizer = try AdamW(parameters: model.parameters, lr: 3e-4, betas: (0.9, 0.95), weightDecay: 0.1,
                                  decayMask: AdamW.decayMatricesOnly)
        let dataParallel = DataParallel(communicator: world)
        let b = batchSize, t = BenchModels.trainingContext(model), v = model.vocabularySize
        // Each rank its own random tokens: the slice of a global batch it would compute.
        var rng = SeededGenerator(seed: 1000 + UInt64(world.rank))
        let ids = (0..<(b * t)).map { _ in Int32(rng.nextInt(below: v)) }
        let targets = (0..<(b * t)).map { _ in Int32(rng.nextInt(below: v)) }
        var communication: [Double] = []
        let times = try Timing.measure(warmup: 2, iterations: steps) {
            optimizer.zeroGrad()
            try model.loss(ids, targets: targets, batch: b).backward()
            let before = dataParallel.communicationSeconds
            try dataParallel.sumGradients(model.parameters)
            communication.append((dataParallel.communicationSeconds - before) * 1e3)
            optimizer.step()
        }
        // The job is as fast as its slowest rank.
        let slowest = try world.max(times)
        let comm = try world.max(Array(communication.suffix(steps)))
        var row = Timing.summary(slowest)
        let seconds = (row["ms_median"] as! Double) / 1e3
        let commMedian = comm.sorted()[comm.count / 2]
        let gradientBytes = Double(model.parameters.map(\.value.count).reduce(0, +) * 4)
        row["bench"] = "data-parallel"
        row["config"] = config
        row["ranks"] = world.size
        row["threads_per_rank"] = Parallel.workers
        row["batch_per_rank"] = b
        row["context"] = t
        row["params"] = model.parameterCount
        row["samples_per_s"] = Double(b * world.size) / seconds
        row["allreduce_ms_median"] = commMedian
        row["allreduce_share"] = commMedian / 1e3 / seconds
        row["gradient_mb"] = gradientBytes / 1e6
        if world.size > 1 {
            // Ring all-reduce moves 2(N−1)/N × the gradient bytes through each rank's link.
            let moved = 2 * Double(world.size - 1) / Double(world.size) * gradientBytes
            row["allreduce_gbit_s"] = moved * 8 / (commMedian / 1e3) / 1e9
        }
        if world.isLeader { Timing.emit(row) }
    }
}
