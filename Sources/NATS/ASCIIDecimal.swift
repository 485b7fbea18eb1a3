import NIOCore

/// Unsigned integers written as decimal ASCII straight into a buffer, with no string built: the NATS protocol's
/// lengths and reply tokens, and the server's event JSON, on their hot paths.
public enum ASCIIDecimal {
    /// Writes `value` in decimal ASCII to `buffer`.
    public static func write(_ value: UInt64, to buffer: inout ByteBuffer) {
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: digits) { bytes in
            var rest = value
            for index in stride(from: digits - 1, through: 0, by: -1) {
                bytes[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            return digits
        }
    }
}
