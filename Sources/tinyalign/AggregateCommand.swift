import Alignment
import ArgumentParser
import Datasets
import Foundation
import Recipes
import Report
import Training

/// `tinyalign aggregate`: min-max regret aggregation of several aligned policies into a mixture.
struct AggregateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "aggregate",
        abstract: "Mix K policies by min-max regret: sample each, build the regret matrix, solve the game, write the weights.")

    @Option(parsing: .upToNextOption, help: "Policy checkpoint folders (one per group).") var policies: [String]
    @Option(help: "Prompt JSONL (prompt, optional group).") var prompts: String
    @Option(help: "Reference checkpoint (default: the model recorded in a policy's run_config.json).") var reference: String?
    @Option(help: "Samples per prompt and policy.") var samplesPerPrompt = 4
    @Option(help: "Most tokens per sample.") var maxNewTokens = 16
    @Option(help: "Where to write the result.") var out = "aggregate.json"
    @Option(help: "Seed of the sampling.") var seed: UInt64 = 0
    @OptionGroup var prompt: PromptOptions
    @Option(help: "Fairness weights c_i of the groups' regrets, comma-separated, one per policy (default: all 1).")
    var fairnessWeights: String?

    func validate() throws {
        guard !policies.isEmpty else { throw ValidationError("--policies needs at least one checkpoint folder") }
        guard samplesPerPrompt > 0 else { throw ValidationError("--samples-per-prompt must be positive, got \(samplesPerPrompt)") }
        guard maxNewTokens >= 0 else { throw ValidationError("--max-new-tokens must be 0 or positive, got \(maxNewTokens)") }
    }

    func run() throws {
        var job = AggregateJob(policies: policies.map { URL(fileURLWithPath: $0) }, prompts: URL(fileURLWithPath: prompts),
                               out: URL(fileURLWithPath: out), reference: reference.map { URL(fileURLWithPath: $0) })
        job.samplesPerPrompt = samplesPerPrompt
        job.maxNewTokens = maxNewTokens
        job.seed = seed
        job.prompt = prompt.groupPrompt
        if let fairnessWeights {
            let parts = fairnessWeights.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let values = parts.compactMap(Double.init)
            guard values.count == parts.count, values.count == policies.count else {
                throw ValidationError("--fairness-weights needs \(policies.count) numbers, got \"\(fairnessWeights)\"")
            }
            job.fairnessWeights = values
        }
        let r = try job.run()
        func row(_ name: String, _ values: [Double]) -> String {
            name.padding(toLength: 12, withPad: " ", startingAt: 0) + values.map { String(format: "%10.4f", $0) }.joined(separator: " ")
        }
        let header = "".padding(toLength: 12, withPad: " ", startingAt: 0)
            + r.policies.indices.map { j -> String in let name = "pi_\(j)"; return String(repeating: " ", count: max(0, 10 - name.count)) + name }.joined(separator: " ")
        print("L[i,j] = mean log pi_i(y|x) - log pi_ref(y|x), y ~ pi_j")
        print(header)
        for (i, l) in r.logRatios.enumerated() { print(row("pi_\(i)", l)) }
        print("R = regret (last row: no regret)")
        print(header)
        for (i, l) in r.regrets.enumerated() { print(row(i < r.policies.count ? "group \(i)" : "none", l)) }
        print(row("weights w", r.weights))
        print(row("adversary q", r.solution.row))
        print(String(format: "value %.6f (LP %.6f), duality gap %.2e after %d iterations", r.solution.value, r.exactValue,
                     r.solution.dualityGap, r.solution.iterations))
        for (j, p) in r.policies.enumerated() { print("pi_\(j) = \(p)") }
        print("mixture in \(out); serve it with: tinyalign generate --mixture \(out) --prompt ...")
    }
}

