/// Little-endian and varint encoding into a growing byte array.
public struct ByteWriter: Sendable {
    public var bytes: [UInt8] = []

    public init() {}

    @inlinable public mutating func u8(_ value: UInt8) { self.bytes.append(value) }

    @inlinable public mutating func u16(_ value: UInt16) { self.fixed(UInt64(value), count: 2) }

    @inlinable public mutating func u32(_ value: UInt32) { self.fixed(UInt64(value), count: 4) }

    @inlinable public mutating func u64(_ value: UInt64) { self.fixed(value, count: 8) }

    @inlinable public mutating func fixed(_ value: UInt64, count: Int) {
        for shift in 0..<count { self.bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(8 * shift))) }
    }

    /// LEB128: 7 bits a byte, low first.
    @inlinable public mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            self.bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        self.bytes.append(UInt8(value))
    }

    @inlinable public mutating func varint(_ value: Int) {
        precondition(value >= 0, "negative varint \(value)")
        self.varint(UInt64(value))
    }

    /// A varint length, then the UTF-8 bytes.
    @inlinable public mutating func string(_ value: String) {
        self.varint(value.utf8.count)
        self.bytes.append(contentsOf: value.utf8)
    }
}

/// Reads what `ByteWriter` wrote; every read checks bounds and throws `WALError.corrupt` past the end.
public struct ByteReader {
    public let bytes: ArraySlice<UInt8>
    public var position: Int

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    public var isAtEnd: Bool { self.position >= self.bytes.endIndex }

    @inlinable public mutating func u8() throws(WALError) -> UInt8 {
        guard self.position < self.bytes.endIndex else { throw .corrupt("record ends early") }
        defer { self.position += 1 }
        return self.bytes[self.position]
    }

    @inlinable public mutating func u16() throws(WALError) -> UInt16 { UInt16(try self.fixed(count: 2)) }

    @inlinable public mutating func u32() throws(WALError) -> UInt32 { UInt32(try self.fixed(count: 4)) }

    @inlinable public mutating func u64() throws(WALError) -> UInt64 { try self.fixed(count: 8) }

    @inlinable public mutating func fixed(count: Int) throws(WALError) -> UInt64 {
        guard self.position + count <= self.bytes.endIndex else { throw .corrupt("record ends early") }
        var value: UInt64 = 0
        for index in 0..<count { value |= UInt64(self.bytes[self.position + index]) << UInt64(8 * index) }
        self.position += count
        return value
    }

    @inlinable public mutating func varint() throws(WALError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try self.u8()
            guard shift < 64 else { throw .corrupt("varint too long") }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// A varint no larger than `max`.
    @inlinable public mutating func int(max: Int) throws(WALError) -> Int {
        let value = try self.varint()
        guard value <= UInt64(max) else { throw .corrupt("value \(value) above \(max)") }
        return Int(value)
    }

    @inlinable public mutating func string(maxBytes: Int) throws(WALError) -> String {
        let count = try self.int(max: maxBytes)
        guard self.position + count <= self.bytes.endIndex else { throw .corrupt("string ends early") }
        defer { self.position += count }
        return String(decoding: self.bytes[self.position..<(self.position + count)], as: UTF8.self)
    }
}
