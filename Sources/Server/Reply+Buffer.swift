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

    /// `value` in decimal: a string of 15 digits or fewer is held inline, so this allocates nothing.
    static func write(_ value: Int64, into buffer: inout ByteBuffer) {
        buffer.writeString(String(value))
    }
}
