import NATS
import NIOCore
import SeatActors

/// What the publisher sends: an event read from the history (`ChangeEvent`) or a live one as the log published it
/// (`PublishedEvent`, written straight from the session's form without building seat labels first). Each writes
/// its subject, its `Nats-Msg-Id` header line and its payload straight into the batch's buffers: this is the hot
/// path, so no string is built and no encoder runs per event.
///
/// The payload is a contract other services read (`docs/operations.md`, `Tests/NATS/check_stream.py`), byte for
/// byte: `{"seq":..,"type":..,"session":..,"hold":..,"customer":..,"items":[..],"ref":..,"ms":..}`, with `hold`
/// and `ref` `null` when there is none. Every field but the kinds is an id of `A-Z a-z 0-9 . _ : -` or a number,
/// so nothing needs escaping.
protocol OutgoingEvent: Sendable {
    /// The change's LSN.
    var seq: LSN { get }
    var sessionID: String { get }
    var kind: ChangeEvent.Kind { get }
    /// Writes the items, `"A1","A2","pit:2"`: seats, then places (`writeItem`, `writePlace`).
    func writeItems(into buffer: inout ByteBuffer)
    var holdID: HoldID? { get }
    var customer: String { get }
    var ref: String? { get }
    /// When the change was appended, unix ms.
    var atMs: Int64 { get }
}

extension OutgoingEvent {
    /// The subject: the template's pieces (`NATSSettings.subjectParts`) with the event's type and session.
    func writeSubject(_ parts: [NATSSettings.SubjectPart], into buffer: inout ByteBuffer) {
        for part in parts {
            switch part {
            case .literal(let bytes): buffer.writeBytes(bytes)
            case .type: buffer.writeString(self.kind.rawValue)
            case .session: buffer.writeString(self.sessionID)
            }
        }
    }

    /// The header line `Nats-Msg-Id: <data directory id>-<seq>`, from its part up to the seq (`prefix`).
    func writeMessageID(prefix: [UInt8], into buffer: inout ByteBuffer) {
        buffer.writeBytes(prefix)
        ASCIIDecimal.write(self.seq, to: &buffer)
        buffer.writeStaticString("\r\n")
    }

    /// The payload, as the contract above says.
    func writeJSON(into buffer: inout ByteBuffer) {
        buffer.writeStaticString(#"{"seq":"#)
        ASCIIDecimal.write(self.seq, to: &buffer)
        buffer.writeStaticString(#","type":""#)
        buffer.writeString(self.kind.rawValue)
        buffer.writeStaticString(#"","session":""#)
        buffer.writeString(self.sessionID)
        if let hold = self.holdID {
            buffer.writeStaticString(#"","hold":""#)
            buffer.writeHex(hold.raw)
            buffer.writeStaticString(#"","customer":""#)
        } else {
            buffer.writeStaticString(#"","hold":null,"customer":""#)
        }
        buffer.writeString(self.customer)
        buffer.writeStaticString(#"","items":["#)
        self.writeItems(into: &buffer)
        if let ref = self.ref {
            buffer.writeStaticString(#"],"ref":""#)
            buffer.writeString(ref)
            buffer.writeStaticString(#"","ms":"#)
        } else {
            buffer.writeStaticString(#"],"ref":null,"ms":"#)
        }
        ASCIIDecimal.write(UInt64(max(self.atMs, 0)), to: &buffer)
        buffer.writeStaticString("}")
    }

    /// A seat item, `"A1"` (after a comma unless `first`).
    static func writeItem(_ row: String, _ number: Int, first: Bool, into buffer: inout ByteBuffer) {
        buffer.writeStaticString(first ? #"""# : #",""#)
        buffer.writeString(row)
        ASCIIDecimal.write(UInt64(number), to: &buffer)
        buffer.writeStaticString(#"""#)
    }

    /// A place item, `"pit:2"`: the area and the count (after a comma unless `first`).
    static func writePlace(_ area: String, _ count: Int, first: Bool, into buffer: inout ByteBuffer) {
        buffer.writeStaticString(first ? #"""# : #",""#)
        buffer.writeString(area)
        buffer.writeStaticString(":")
        ASCIIDecimal.write(UInt64(count), to: &buffer)
        buffer.writeStaticString(#"""#)
    }
}

extension ChangeEvent: OutgoingEvent {
    var sessionID: String { self.session }

    func writeItems(into buffer: inout ByteBuffer) {
        for (index, seat) in self.seats.enumerated() {
            Self.writeItem(seat.row, seat.number, first: index == 0, into: &buffer)
        }
        for (index, place) in self.places.enumerated() {
            Self.writePlace(place.area, place.count, first: index == 0 && self.seats.isEmpty, into: &buffer)
        }
    }
}

extension PublishedEvent: OutgoingEvent {
    var sessionID: String { self.session.id }
    var kind: ChangeEvent.Kind { self.event.kind }
    var holdID: HoldID? { self.event.holdID }
    var customer: String { self.event.customer }
    var ref: String? { self.event.ref }
    var atMs: Int64 { self.event.atMs }

    /// The seats' labels and the places' area names, from the session's hall.
    func writeItems(into buffer: inout ByteBuffer) {
        let hall = self.session.hall
        for (index, seat) in self.event.seats.enumerated() {
            let label = hall.label(of: Int(seat))
            Self.writeItem(label.row, label.number, first: index == 0, into: &buffer)
        }
        let noSeats = self.event.seats.isEmpty
        for (index, place) in self.event.places.enumerated() {
            Self.writePlace(hall.areas[place.area].name, place.count, first: index == 0 && noSeats, into: &buffer)
        }
    }
}

extension ByteBuffer {
    /// Writes a hold id as its 16 hex digits (`HoldID.description`) without building a string.
    fileprivate mutating func writeHex(_ raw: UInt64) {
        self.writeWithUnsafeMutableBytes(minimumWritableBytes: 16) { bytes in
            for index in 0..<16 {
                let digit = UInt8((raw >> (60 - 4 * UInt64(index))) & 0xF)
                bytes[index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
            }
            return 16
        }
    }
}
