import NIOCore
import SeatActors

/// The hot replies written byte by byte into a connection's outgoing buffer (`Dispatcher.render(_:into:)`), the
/// same bytes as their `String` forms in `Reply` (ReplyTests compares both).
extension Reply {
    /// `Reply.hold(reply)` into `buffer`.
    static func hold(_ reply: HoldReply, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("OK ")
        Self.write(reply.holdID, into: &buffer)
        buffer.writeInteger(UInt8(ascii: " "))
        Self.write(reply.expiresAtMs, into: &buffer)
        buffer.writeInteger(UInt8(ascii: " "))
        for (index, seat) in reply.seats.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: " ")) }
            buffer.writeString(seat.row)
            Self.write(Int64(seat.number), into: &buffer)
        }
        for (index, place) in reply.places.enumerated() {
            if index > 0 || !reply.seats.isEmpty { buffer.writeInteger(UInt8(ascii: " ")) }
            buffer.writeString(place.area)
            buffer.writeInteger(UInt8(ascii: ":"))
            Self.write(Int64(place.count), into: &buffer)
        }
    }

    /// `OK <hold>` into `buffer`.
    static func ok(_ id: HoldID, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("OK ")
        Self.write(id, into: &buffer)
    }

    /// The 16 lowercase hex digits of `id`.
    static func write(_ id: HoldID, into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 16) { bytes in
            for index in 0..<16 { bytes[index] = HoldID.hexDigit(id.raw >> (60 - 4 * UInt64(index))) }
            return 16
        }
    }

    /// `value` in decimal, as `String(value)` writes it.
    static func write(_ value: Int64, into buffer: inout ByteBuffer) {
        if value < 0 { buffer.writeInteger(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for the 20 digits of a UInt64
        withUnsafeMutableBytes(of: &digits) { scratch in
            var start = scratch.count
            repeat {
                start -= 1
                scratch[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: scratch[start...]))
        }
    }
}
