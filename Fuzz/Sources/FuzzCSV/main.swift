import FuzzSupport
import Foundation
import Datasets

// One input: a CSV file.
runFuzzer { bytes in _ = try? CSVReader.parse(Data(bytes), file: "fuzz.csv") }
