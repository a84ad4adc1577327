import FuzzSupport
import Foundation
import Datasets

// One input: a GlobalOpinionQA CSV export (question, selections, options, source).
runFuzzer { bytes in _ = try? GlobalOpinionQA.parse(Data(bytes), file: "goqa.csv", countries: ["Nigeria", "India"]) }
