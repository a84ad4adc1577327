import Alignment
import Autograd
import Foundation
import Report
import TensorCore
import Training

/// `tinyalign repro em-dpo`: the EM-DPO paper's identifiability experiment on synthetic annotator types —
/// pairs cannot tell two preference types apart that rankings of three or four can.
///
/// Every question shows two "extremes" E1, E2, a "middle" M and (for rankings of 4) a neutral N, in random
/// positions; a response's features are its one-hot role. *Centrists* rank E1 ≻ M ≻ E2 or E2 ≻ M ≻ E1;
/// *polarised* annotators put M first or last (four orders, equally likely); N, when shown, goes to a uniformly
/// random place. Every pairwise comparison is then a fair coin under both types, so pairs carry no information
/// about the type, while full rankings do. The same annotators answer the same questions in every condition:
/// rankings of 4 see all four responses, rankings of 3 the ranking restricted to E1, M, E2, pairs one random pair
/// of that ranking. EM-DPO (TinyAlign's own EM, Plackett–Luce likelihood, log-linear type policies) then clusters
/// the annotators; cluster accuracy and the adjusted Rand index are scored against the hidden types.
public struct EMDPORepro {
    /// Seeds 0..<seeds.
    public var seeds = 5
    /// Annotators (half of each type) and questions each.
    public var annotators = 24, questions = 150
    /// List sizes compared (2 = pairs).
    public var listSizes = [2, 3, 4]
    /// EM rounds, M-step steps and the M-step's Adam learning rate.
    public var rounds = 6, stepsPerRound = 25
    /// The M-step's learning rate.
    public var lr: Float = 0.1
    /// The initial posteriors.
    public var initialisation = EMInitialisation.dirichlet

    /// The defaults of the experiment.
    public init() {}

    /// One (list size, seed) run.
    public struct Run: Codable, Equatable, Sendable {
        /// Responses per list (2 = pairs) and seed.
        public var listSize: Int, seed: Int
        /// Cluster accuracy under the best matching, and the adjusted Rand index.
        public var accuracy: Double, adjustedRandIndex: Double
        /// Final log-likelihood and priors.
        public var logLikelihood: Double, priors: [Double]
    }

    /// One seed's world: per list the roles of its 4 shown responses (0 = E1, 1 = M, 2 = E2, 3 = N) and the full
    /// ranking (positions best first), the annotator of each list and each annotator's type.
    struct World {
        var roles: [[Int]], rankings: [[Int]], annotatorOfList: [Int], types: [Int]
    }

    func world(seed: Int) -> World {
        var rng = SeededGenerator(seed: 7919 &* UInt64(seed) &+ 3)
        let centrist = [[0, 1, 2], [2, 1, 0]]
        let polarised = [[1, 0, 2], [1, 2, 0], [0, 2, 1], [2, 0, 1]]
        var w = World(roles: [], rankings: [], annotatorOfList: [], types: [])
        for u in 0..<annotators {
            let type = u % 2
            w.types.append(type)
            for _ in 0..<questions {
                var byRole = type == 0 ? centrist[rng.nextInt(below: 2)] : polarised[rng.nextInt(below: 4)]
                byRole.insert(3, at: rng.nextInt(below: 4))             // N anywhere
                var position = [0, 1, 2, 3]
                position.shuffle(using: &rng)                          // role r sits at position[r]
                var roles = [0, 0, 0, 0]
                for r in 0..<4 { roles[position[r]] = r }
                w.roles.append(roles)
                w.rankings.append(byRole.map { position[$0] })
                w.annotatorOfList.append(u)
            }
        }
        return w
    }

    /// The lists one condition sees: features (one-hot roles, 4 wide) per shown response and rankings.
    func lists(_ w: World, size: Int, seed: Int) -> (features: [[[Float]]], rankings: [[Int]]) {
        var rng = SeededGenerator(seed: 31 &* UInt64(seed) &+ UInt64(size))
        var features: [[[Float]]] = [], rankings: [[Int]] = []
        for (roles, ranking) in zip(w.roles, w.rankings) {
            var order = ranking                                           // positions, best first
            if size <= 3 { order = order.filter { roles[$0] != 3 } }      // drop N
            if size == 2 {
                var keep = order
                keep.remove(at: rng.nextInt(below: 3))
                order = keep
            }
            let shown = order.sorted()
            features.append(shown.map { p in (0..<4).map { Float($0 == roles[p] ? 1 : 0) } })
            if size == 2 {
                rankings.append([shown.firstIndex(of: order[0])!])
            } else {
                rankings.append(order.map { shown.firstIndex(of: $0)! })
            }
        }
        return (features, rankings)
    }

    /// Runs EM on one condition of one seed.
    public func run(listSize: Int, seed: Int) throws -> Run {
        guard (2...4).contains(listSize) else { throw AlignmentError.invalidInput("list sizes are 2, 3 or 4, got \(listSize)") }
        let w = world(seed: seed)
        let (features, rankings) = lists(w, size: listSize, seed: seed)
        var responseIDs: [[Int]] = []
        for f in features { responseIDs.append(f.map { $0.firstIndex(of: 1)! }) }
        var data = try AnnotatedRankings(sizes: features.map(\.count), rankings: rankings, annotatorOfList: w.annotatorOfList,
                                         annotators: (0..<annotators).map { "u\($0)" }, trueGroups: w.types,
                                         groupNames: ["centrist", "polarised"])
        data.responseIDs = responseIDs
        var config = EMDPOConfig()
        config.types = 2
        config.rounds = rounds
        config.stepsPerRound = stepsPerRound
        config.batchSize = 400
        config.beta = 1
        config.seed = UInt64(seed)
        config.evalBatchSize = data.count
        config.initialisation = initialisation
        let em = try EMDPO(data: data, config: config) { _ in try RoleFeaturePolicy(features: features, lr: lr) }
        try em.run()
        return Run(listSize: listSize, seed: seed, accuracy: try ClusterRecovery.accuracy(predicted: em.assignments, truth: w.types),
                   adjustedRandIndex: try ClusterRecovery.adjustedRandIndex(em.assignments, w.types),
                   logLikelihood: em.history.last?.logLikelihood ?? .nan, priors: em.priors)
    }

    /// Every run, list size by list size; `log` gets one line per list size.
    public func runAll(log: (String) -> Void = { _ in }) throws -> [Run] {
        var runs: [Run] = []
        for size in listSizes {
            let mine = try (0..<seeds).map { try run(listSize: size, seed: $0) }
            runs += mine
            log("\(Self.label(size)): cluster accuracy \(SeedStatistics(mine.map(\.accuracy)).formatted(digits: 3)), "
                + "ARI \(SeedStatistics(mine.map(\.adjustedRandIndex)).formatted(digits: 3))")
        }
        return runs
    }

    static func label(_ size: Int) -> String { size == 2 ? "pairs" : "rankings of \(size)" }

    /// Writes `<out>/runs.json` and `<out>/report.html` (the table over seeds).
    public func write(_ runs: [Run], to out: URL) throws {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(runs).write(to: out.appendingPathComponent("runs.json"), options: .atomic)
        let rows = listSizes.map { size -> [String] in
            let r = runs.filter { $0.listSize == size }
            return [Self.label(size), SeedStatistics(r.map(\.accuracy)).formatted(digits: 3),
                    SeedStatistics(r.map(\.adjustedRandIndex)).formatted(digits: 3), "\(r.count)"]
        }
        let table = ReportTable(title: "Cluster recovery of the hidden types (mean ± std over seeds)",
                                headers: ["lists", "cluster accuracy", "adjusted Rand index", "seeds"], rows: rows,
                                note: "The EM-DPO paper: pairwise comparisons cannot identify latent preference types; rankings of three or more can. Chance accuracy for 2 equal types is about 0.5–0.6 (best matching), ARI about 0.")
        try ReproReport.write(title: "EM-DPO identifiability: pairs vs rankings", intro:
            "\(annotators) annotators (centrist and polarised, half each), \(questions) questions each, EM-DPO with 2 types, \(rounds) rounds of \(stepsPerRound) M-step steps, \(initialisation.rawValue) initialisation.",
            charts: [], tables: [table], to: out.appendingPathComponent("report.html"))
    }
}

/// A log-linear type policy over role features: every response y of every list has a feature vector φ(y) and
/// log π(y|x) − log π_ref(y|x) = θ·φ(y) (up to a per-prompt constant, which no pair or ranking likelihood sees).
/// θ starts at 0 (the SFT model equals the reference) and trains with Adam at a constant rate, no clipping, no
/// decay. The EM-DPO toy tests use it too.
final class RoleFeaturePolicy: EMTypePolicy, Trainable {
    let theta: Variable
    let lr: Float
    let flat: [Float], offsets: [Int], d: Int

    init(features: [[[Float]]], lr: Float) throws {
        d = features[0][0].count
        flat = features.flatMap { $0.flatMap { $0 } }
        offsets = features.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        theta = Variable(Tensor.zeros([d]), requiresGrad: true)
        self.lr = lr
    }

    func logRatios(_ lists: [Int]) throws -> Variable {
        var rows: [Float] = []
        for i in lists { rows += flat[(offsets[i] * d)..<(offsets[i + 1] * d)] }
        let phi = Variable(Tensor(shape: [rows.count / d, d], rows))
        return try Variable.matmul(phi, theta.reshaped([d, 1])).reshaped([rows.count / d])
    }

    var trainable: Trainable { self }
    var trainableParameters: [Variable] { [theta] }

    func mStepSettings(steps: Int) -> TrainingSettings {
        TrainingSettings(steps: steps, lr: lr, minLR: lr, warmupSteps: 0, weightDecay: 0, gradClip: 0, adamBeta2: 0.999)
    }

    func write(to folder: URL) throws { try SafeTensors.write(["theta": theta.value], to: folder.appendingPathComponent("theta.safetensors")) }

    func read(from folder: URL) throws {
        guard let t = try SafeTensors.read(contentsOf: folder.appendingPathComponent("theta.safetensors")).tensors["theta"] else {
            throw AlignmentError.badData(file: folder.path, line: 0, "no tensor theta")
        }
        theta.assign(t)
    }
}
