import ArgumentParser

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the main job on the embedded default data and model.")
    func run() throws {}
}
