import FuzzSupport
import Foundation
@testable import Models

// One input: a `config.json`. Decoding, validation and the shapes computed from it must never trap (overflow,
// huge loops) whatever the numbers; the model itself is not built (that allocates by design).
runFuzzer { bytes in
    let json = Data(bytes)
    _ = try? ModelRegistry.modelType(ofConfig: json, path: "config.json")
    if let shapes = try? GPT.expectedTensorShapes(configJSON: json) { precondition(!shapes.isEmpty) }
}
