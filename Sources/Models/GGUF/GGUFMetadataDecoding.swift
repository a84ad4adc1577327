extension GGUFByteCursor {
    /// Arrays nested deeper than this are refused: real files nest at most once, and unbounded nesting would let
    /// a small file exhaust the stack.
    static let maxArrayDepth = 8

    /// Reads one metadata value of type `type`. An array's count is checked against the bytes left (each element
    /// takes at least `minimumEncodedSize` bytes) before any element is read, so a lying count fails at once.
    mutating func value(of type: GGUFValueType, key: String, depth: Int = 0) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try u8("value of \(key)"))
        case .int8: return .int8(try scalar(Int8.self, "value of \(key)"))
        case .uint16: return .uint16(try scalar(UInt16.self, "value of \(key)"))
        case .int16: return .int16(try scalar(Int16.self, "value of \(key)"))
        case .uint32: return .uint32(try u32("value of \(key)"))
        case .int32: return .int32(try scalar(Int32.self, "value of \(key)"))
        case .uint64: return .uint64(try u64("value of \(key)"))
        case .int64: return .int64(try scalar(Int64.self, "value of \(key)"))
        case .float32: return .float32(Float(bitPattern: try u32("value of \(key)")))
        case .float64: return .float64(Double(bitPattern: try u64("value of \(key)")))
        case .bool:
            let b = try u8("value of \(key)")
            guard b <= 1 else { throw fault("metadata \(key): bool value \(b) is neither 0 nor 1") }
            return .bool(b == 1)
        case .string: return .string(try string("value of \(key)", strict: false))
        case .array:
            guard depth < Self.maxArrayDepth else {
                throw fault("metadata \(key): arrays nested deeper than \(Self.maxArrayDepth) levels")
            }
            let code = try u32("array element type of \(key)")
            guard let elementType = GGUFValueType(rawValue: code) else {
                throw fault("metadata \(key): unknown array element type \(code)")
            }
            let n = try u64("array length of \(key)")
            guard n <= UInt64(remaining / elementType.minimumEncodedSize) else {
                throw fault("metadata \(key): array of \(n) elements is longer than the \(remaining) bytes left in the file")
            }
            var items: [GGUFValue] = []
            items.reserveCapacity(Int(n))
            for _ in 0..<Int(n) { items.append(try value(of: elementType, key: key, depth: depth + 1)) }
            return .array(elementType: elementType, items)
        }
    }
}
