/// Attribute access, subscripts and slices with Jinja's lookup rules: `a.b` tries the attribute (a method) and then
/// the item, `a[b]` the item and then the attribute; a miss is Undefined, and only Undefined itself raises.
enum JinjaAccess {
    static func attribute(_ base: JinjaValue, _ name: String) throws -> JinjaValue {
        switch base {
        case let .undefined(hint): throw JinjaFailure(hint)
        case let .dict(d):
            if let method = JinjaMethods.method(on: base, named: name) { return .function(method) }
            return d[name] ?? .undefined("'dict object' has no attribute '\(name)'")
        case let .namespace(ns):
            return ns.dict[name] ?? .undefined("'Namespace' object has no attribute '\(name)'")
        default:
            if let method = JinjaMethods.method(on: base, named: name) { return .function(method) }
            return .undefined("'\(base.typeName) object' has no attribute '\(name)'")
        }
    }

    static func item(_ base: JinjaValue, _ index: JinjaValue) throws -> JinjaValue {
        switch (base, index) {
        case let (.undefined(hint), _): throw JinjaFailure(hint)
        case let (.dict(d), .string(key)):
            if let v = d[key] { return v }
            if let method = JinjaMethods.method(on: base, named: key) { return .function(method) }
            return .undefined("'dict object' has no attribute '\(key)'")
        case let (.namespace(ns), .string(key)):
            return ns.dict[key] ?? .undefined("'Namespace' object has no attribute '\(key)'")
        case let (.list(items), _), let (.tuple(items), _):
            guard let i = index.integerValue else {
                if case let .string(name) = index, let method = JinjaMethods.method(on: base, named: name) { return .function(method) }
                return .undefined("'list object' has no attribute \(index.pythonRepr)")
            }
            let j = i < 0 ? items.count + i : i
            return (0..<items.count).contains(j) ? items[j] : .undefined("'list object' has no attribute \(i)")
        case let (.string(s), _):
            guard let i = index.integerValue else {
                if case let .string(name) = index, let method = JinjaMethods.method(on: base, named: name) { return .function(method) }
                return .undefined("'str object' has no attribute \(index.pythonRepr)")
            }
            // Python indexes code points, not grapheme clusters.
            let chars = Array(s.unicodeScalars)
            let j = i < 0 ? chars.count + i : i
            return (0..<chars.count).contains(j) ? .string(String(chars[j])) : .undefined("'str object' has no attribute \(i)")
        default:
            return .undefined("'\(base.typeName) object' has no attribute \(index.pythonRepr)")
        }
    }

    /// Python slicing `base[start:stop:step]` of a list or a string (negative indices and steps included).
    static func slice(_ base: JinjaValue, _ start: JinjaValue?, _ stop: JinjaValue?, _ step: JinjaValue?) throws -> JinjaValue {
        func bound(_ v: JinjaValue?) throws -> Int? {
            guard let v, !(v.isUndefined), !(v.pythonEquals(.none)) else { return nil }
            guard let i = v.integerValue else { throw JinjaFailure("slice indices must be integers or None") }
            return i
        }
        let indices = { (n: Int) throws -> [Int] in
            let st = try bound(step) ?? 1
            guard st != 0 else { throw JinjaFailure("slice step cannot be zero") }
            func clamp(_ v: Int?, _ defaultValue: Int) -> Int {
                guard var v else { return defaultValue }
                if v < 0 { v += n }
                return st > 0 ? min(max(v, 0), n) : min(max(v, -1), n - 1)
            }
            var out: [Int] = []
            if st > 0 {
                var i = clamp(try bound(start), 0)
                let end = clamp(try bound(stop), n)
                while i < end { out.append(i); i += st }
            } else {
                var i = clamp(try bound(start), n - 1)
                let end = clamp(try bound(stop), -1)
                while i > end { out.append(i); i += st }
            }
            return out
        }
        switch base {
        case let .list(items): return .list(try indices(items.count).map { items[$0] })
        case let .tuple(items): return .tuple(try indices(items.count).map { items[$0] })
        case let .string(s):
            let chars = Array(s.unicodeScalars)
            var out = String.UnicodeScalarView()
            out.append(contentsOf: try indices(chars.count).map { chars[$0] })
            return .string(String(out))
        case let .undefined(hint): throw JinjaFailure(hint)
        // Jinja compiles a slice to a plain Python subscript (no lenient lookup), so this is a TypeError there too.
        default: throw JinjaFailure("'\(base.typeName)' object is not subscriptable")
        }
    }
}
