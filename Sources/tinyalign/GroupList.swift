import Foundation

/// Group lists on the command line: one rule everywhere (`align --groups`, `gpo --train-groups`/`--groups`,
/// `data import-globalopinionqa --countries`): names separated by commas, or by semicolons when a name itself has
/// a comma. Several values after one option are accepted too and split the same way, so `--groups Avalon Dunmore`
/// keeps working.
enum GroupList {
    /// The names in `values`, each split by `DataCommand.list`'s rule; nil when none is given.
    static func parse(_ values: [String]) -> [String]? {
        let names = values.flatMap(DataCommand.list)
        return names.isEmpty ? nil : names
    }
}
