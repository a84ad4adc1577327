import Foundation

/// Paths of the committed fixtures (made by Fixtures/make_hf_gpt2_fixtures.py).
enum Fixtures {
    static func url(_ name: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(name)
    }
}
