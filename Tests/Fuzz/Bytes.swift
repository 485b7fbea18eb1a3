// Little-endian reads and in-place writes for the fuzz targets that repair checksums (log-fuzz, snapshot-fuzz).

func littleEndian(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> UInt64 {
    (0..<count).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << UInt64(8 * $1) }
}

/// Overwrites `count` bytes at `offset` with `value`, little-endian.
func put(_ bytes: inout [UInt8], _ offset: Int, _ value: UInt64, count: Int) {
    for index in 0..<count { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> UInt64(8 * index)) }
}
