import CLZ4

/// LZ4 block compression (liblz4), used for log batches and snapshots.
public enum LZ4 {
    /// Compresses `input` into one LZ4 block; nil when it would not get smaller (store it raw then).
    public static func compress(_ input: [UInt8]) -> [UInt8]? {
        guard !input.isEmpty else { return nil }
        let bound = Int(LZ4_compressBound(Int32(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let written = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                source.withMemoryRebound(to: CChar.self) { src in
                    destination.withMemoryRebound(to: CChar.self) { dst in
                        LZ4_compress_default(src.baseAddress, dst.baseAddress, Int32(input.count), Int32(bound))
                    }
                }
            }
        }
        guard written > 0, Int(written) < input.count else { return nil }
        output.removeLast(bound - Int(written))
        return output
    }

    /// Decompresses one block to exactly `rawCount` bytes; nil when the block is malformed.
    public static func decompress(_ input: ArraySlice<UInt8>, rawCount: Int) -> [UInt8]? {
        guard rawCount > 0 else { return input.isEmpty ? [] : nil }
        // LZ4 expands at most ~255 times: a larger claimed size is damage, not a reason to allocate it (found by
        // `make fuzz`, snapshot-fuzz: a checksummed header claiming 4 GiB).
        guard rawCount <= min(input.count &* 256 &+ 64, Int(Int32.max)) else { return nil }
        var output = [UInt8](repeating: 0, count: rawCount)
        let read = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                source.withMemoryRebound(to: CChar.self) { src in
                    destination.withMemoryRebound(to: CChar.self) { dst in
                        LZ4_decompress_safe(src.baseAddress, dst.baseAddress, Int32(input.count), Int32(rawCount))
                    }
                }
            }
        }
        return Int(read) == rawCount ? output : nil
    }
}
