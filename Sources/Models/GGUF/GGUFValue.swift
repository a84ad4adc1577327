/// The type codes of GGUF metadata values, as stored (a little-endian `uint32`) before each value.
public enum GGUFValueType: UInt32, Sendable, CaseIterable {
    /// Fixed-width scalars (bool is one byte, 0 or 1).
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
    /// A `uint64` byte length and UTF-8 bytes; an element type, a `uint64` count and the elements; 64-bit scalars.
    case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// The fewest bytes one value of this type takes in a file (a string: its 8-byte length; an array: its
    /// 4-byte element type and 8-byte count). Used to refuse counts that the rest of the file cannot hold
    /// before anything is allocated.
    var minimumEncodedSize: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64, .string: return 8
        case .array: return 12
        }
    }
}

/// One GGUF metadata value. Integers keep their stored width so a file read and written back is unchanged.
public indirect enum GGUFValue: Equatable, Sendable {
    /// Integers of each stored width.
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    /// 64-bit integers, floats, bools and strings.
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    /// A homogeneous array; `elementType` is kept so an empty array keeps its type (arrays may nest).
    case array(elementType: GGUFValueType, [GGUFValue])

    /// The stored type code.
    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .uint64: return .uint64
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }

    /// Any integer type as `Int` (nil for other types or a `uint64` above `Int.max`).
    public var int: Int? {
        switch self {
        case let .uint8(v): return Int(v)
        case let .int8(v): return Int(v)
        case let .uint16(v): return Int(v)
        case let .int16(v): return Int(v)
        case let .uint32(v): return Int(v)
        case let .int32(v): return Int(v)
        case let .uint64(v): return Int(exactly: v)
        case let .int64(v): return Int(v)
        default: return nil
        }
    }

    /// Any number (integer or float) as `Double`; config fields like `rope.freq_base` are floats in some files
    /// and integers in others.
    public var double: Double? {
        switch self {
        case let .float32(v): return Double(v)
        case let .float64(v): return v
        default: return int.map(Double.init)
        }
    }

    /// The value of a `string`.
    public var string: String? { if case let .string(s) = self { return s } else { return nil } }
    /// The value of a `bool`.
    public var bool: Bool? { if case let .bool(b) = self { return b } else { return nil } }
    /// The elements of an `array`.
    public var array: [GGUFValue]? { if case let .array(_, a) = self { return a } else { return nil } }
    /// An array of strings (nil if any element is not a string).
    public var strings: [String]? {
        guard let a = array else { return nil }
        var out: [String] = []
        out.reserveCapacity(a.count)
        for v in a { guard let s = v.string else { return nil }; out.append(s) }
        return out
    }
}
