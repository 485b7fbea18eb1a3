import SeatActors
import WAL

/// The binary encoding of log records (format version 1). A record carries no LSN: a batch stores its first LSN
/// and records follow in order. Integers are LEB128 varints unless noted; strings are a varint length then UTF-8;
/// seat lists are a count then the ascending dense indices as deltas (the first from -1, so every delta is >= 1;
/// `ItemListCodec.swift` reads and writes seat and place lists for records and snapshots).
///
/// | kind | record | fields |
/// |---|---|---|
/// | 1 | hallCreated | id, part count, each part as text: row specs (`B=1-10,13-22`), then (1.1) `ga:`, `cat:`, `flag:` |
/// | 2 | sessionCreated | id, hall id, ttl s, maxttl s, limit (0 = none) |
/// | 3 | sessionDropped | session handle |
/// | 4 | sessionCreated with options (1.1) | as 2, then flags (bit 0: orphans=avoid), grace s, keyttl s |
/// | 10 | held | handle, hold id (8 bytes LE), customer, seats, created ms, ttl ms (expiry - created), key ("" = none) |
/// | 11 | extended | handle, hold id, expiry ms |
/// | 12 | confirmed | handle, hold id, ref ("" = none) |
/// | 13 | released | handle, hold id |
/// | 14 | expired | handle, hold id |
/// | 15 | cancelled | handle, hold id, seats |
/// | 16 | held with places (1.1) | as 10, seats possibly none, then places |
/// | 17 | cancelled with places (1.1) | handle, hold id, seats possibly none, places |
/// | 18 | blocked (1.1) | handle, seats |
/// | 19 | unblocked (1.1) | handle, seats |
/// | 20 | reserved (1.1) | handle, channel, seats |
/// | 21 | unreserved (1.1) | handle, seats |
/// | 22 | added (1.1) | handle, hold id, seats possibly none, places possibly none |
/// | 23 | released items (1.1) | handle, hold id, seats possibly none, places possibly none |
/// | 24 | sold (1.1) | handle, hold id, customer, seats possibly none, created ms, places possibly none, ref |
/// | 25 | confirmed late (1.1) | handle, hold id, customer, seats possibly none, created ms, expiry ms, places possibly none, ref |
/// | 26 | keyed (1.1) | handle, key, used ms, then the change's own record (a session change of the same handle, not keyed) |
/// | 27 | keys forgotten (1.1) | handle, count |
///
/// Places are a count, then (area index, places) pairs by area index ascending. A record of v1's shapes is written in
/// v1's kinds, so a v1 workload writes exactly the bytes it did before 1.1.
public enum RecordCodec {
    /// Appends the encoding of `record` to `writer`.
    static func encode(_ record: LogRecord, into writer: inout ByteWriter) {
        switch record {
        case .hallCreated(let id, let rows, let parts):
            writer.u8(1)
            writer.string(id)
            writer.varint(rows.count + parts.count)
            for row in rows { writer.string(row.description) }
            for part in parts { writer.string(part.description) }
        case .sessionCreated(let config):
            writer.u8(config.hasOptions ? 4 : 2)
            writer.string(config.id)
            writer.string(config.hallID)
            writer.varint(config.ttlSeconds)
            writer.varint(config.maxTTLSeconds)
            writer.varint(config.customerSeatsMax ?? 0)
            if config.hasOptions {
                writer.varint(config.avoidsOrphans ? 1 : 0)
                writer.varint(config.graceSeconds)
                writer.varint(config.keyTTLSeconds)
            }
        case .sessionDropped(let handle):
            writer.u8(3)
            writer.varint(handle)
        case .change(let handle, let change):
            Self.encode(change, handle: handle, into: &writer)
        }
    }

    private static func encode(_ change: SessionChange, handle: SessionHandle, into writer: inout ByteWriter) {
        func head(_ kind: UInt8, _ id: HoldID) {
            writer.u8(kind)
            writer.varint(handle)
            writer.u64(id.raw)
        }
        switch change {
        case .held(let record):
            head(record.places.isEmpty ? 10 : 16, record.holdID)
            writer.string(record.customer)
            writer.seats(record.seats, as: .deltas)
            writer.varint(UInt64(record.createdAtMs))
            writer.varint(UInt64(record.expiresAtMs - record.createdAtMs))
            writer.string(record.key ?? "")
            if !record.places.isEmpty { writer.places(record.places) }
        case .extended(let id, let expiresAtMs):
            head(11, id)
            writer.varint(UInt64(expiresAtMs))
        case .confirmed(let id, let ref):
            head(12, id)
            writer.string(ref ?? "")
        case .released(let id):
            head(13, id)
        case .expired(let id):
            head(14, id)
        case .cancelled(let id, let seats, let places):
            head(places.isEmpty ? 15 : 17, id)
            writer.seats(seats, as: .deltas)
            if !places.isEmpty { writer.places(places) }
        case .blocked(let seats), .unblocked(let seats), .unreserved(let seats):
            writer.u8({ if case .blocked = change { 18 } else if case .unblocked = change { 19 } else { 21 } }())
            writer.varint(handle)
            writer.seats(seats, as: .deltas)
        case .reserved(let channel, let seats):
            writer.u8(20)
            writer.varint(handle)
            writer.string(channel)
            writer.seats(seats, as: .deltas)
        case .added(let id, let seats, let places), .releasedItems(let id, let seats, let places):
            head({ if case .added = change { 22 } else { 23 } }(), id)
            writer.seats(seats, as: .deltas)
            writer.places(places)
        case .sold(let record, let ref):
            head(24, record.holdID)
            writer.string(record.customer)
            writer.seats(record.seats, as: .deltas)
            writer.varint(UInt64(record.createdAtMs))
            writer.places(record.places)
            writer.string(ref ?? "")
        case .lateConfirmed(let record, let ref):
            head(25, record.holdID)
            writer.string(record.customer)
            writer.seats(record.seats, as: .deltas)
            writer.varint(UInt64(record.createdAtMs))
            writer.varint(UInt64(record.expiresAtMs))
            writer.places(record.places)
            writer.string(ref ?? "")
        case .keyed(let key, let atMs, let inner):
            writer.u8(26)
            writer.varint(handle)
            writer.string(key)
            writer.varint(UInt64(atMs))
            Self.encode(inner, handle: handle, into: &writer)
        case .keysForgotten(let count):
            writer.u8(27)
            writer.varint(handle)
            writer.varint(count)
        }
    }

    /// Encodes one record on its own (tests, sizes).
    public static func encode(_ record: LogRecord) -> [UInt8] {
        var writer = ByteWriter()
        Self.encode(record, into: &writer)
        return writer.bytes
    }

    /// Decodes every record of a batch payload.
    public static func decodeAll(_ bytes: ArraySlice<UInt8>, count: Int) throws(WALError) -> [LogRecord] {
        var reader = ByteReader(bytes)
        // Every record takes at least one byte: a larger count is damage (found by fuzzing: the count of a
        // batch is a u32, and reserving it whole could ask for hundreds of gigabytes).
        guard count <= bytes.count else { throw .corrupt("\(count) records cannot fit in \(bytes.count) bytes") }
        var records: [LogRecord] = []
        records.reserveCapacity(count)
        for _ in 0..<count { records.append(try Self.decode(from: &reader)) }
        guard reader.isAtEnd else { throw .corrupt("bytes left after \(count) records") }
        return records
    }

    static func decode(from reader: inout ByteReader) throws(WALError) -> LogRecord {
        let kind = try reader.u8()
        switch kind {
        case 1:
            let id = try Self.id(&reader)
            let count = try reader.int(max: Limits.hallSeatsMax)
            var texts: [Substring] = []
            for _ in 0..<count { texts.append(try reader.string(maxBytes: 1 << 20)[...]) }
            do {
                let (rows, parts) = try Hall.parse(texts)
                return .hallCreated(id: id, rows: rows, parts: parts)
            } catch { throw .corrupt("hall \(id): \(error.message)") }
        case 2, 4:
            let id = try Self.id(&reader)
            let hallID = try Self.id(&reader)
            let ttl = try reader.int(max: Limits.ttlSecondsMax)
            let maxTTL = try reader.int(max: Limits.ttlSecondsMax)
            let limit = try reader.int(max: Int(Int32.max))
            let flags = kind == 4 ? try reader.int(max: 1) : 0
            let grace = kind == 4 ? try reader.int(max: Limits.ttlSecondsMax) : 0
            let keyTTL = kind == 4 ? try reader.int(max: Limits.keyTTLSecondsMax) : SessionConfig.keyTTLSecondsDefault
            do {
                return .sessionCreated(
                    try SessionConfig(
                        id: id, hallID: hallID, ttlSeconds: ttl, maxTTLSeconds: maxTTL,
                        customerSeatsMax: limit == 0 ? nil : limit, avoidsOrphans: flags & 1 != 0, graceSeconds: grace,
                        keyTTLSeconds: keyTTL))
            } catch { throw .corrupt("session \(id): \(error)") }
        case 3:
            return .sessionDropped(try reader.varint())
        case 10...17, 22...25:
            let handle = try reader.varint()
            let raw = try reader.u64()
            guard raw != 0 else { throw .corrupt("hold id 0") }
            return .change(handle, try Self.decodeChange(kind, HoldID(raw: raw), from: &reader))
        case 18, 19, 21:
            let handle = try reader.varint()
            let seats = try Self.seats(&reader)
            let change: SessionChange =
                kind == 18 ? .blocked(seats: seats) : kind == 19 ? .unblocked(seats: seats) : .unreserved(seats: seats)
            return .change(handle, change)
        case 20:
            let handle = try reader.varint()
            let channel = try Self.id(&reader)
            return .change(handle, .reserved(channel: channel, seats: try Self.seats(&reader)))
        case 26:
            let handle = try reader.varint()
            let key = try Self.id(&reader)
            let atMs = Int64(try reader.int(max: Int(Int64.max / 2)))
            var peek = reader
            guard try peek.u8() != 26 else { throw .corrupt("a keyed record inside a keyed record") }
            guard case .change(handle, let inner) = try Self.decode(from: &reader) else {
                throw .corrupt("a keyed record holds no change of session \(handle)")
            }
            return .change(handle, .keyed(key: key, atMs: atMs, inner))
        case 27:
            let handle = try reader.varint()
            let count = try reader.int(max: 1 << 40)
            guard count >= 1 else { throw .corrupt("no keys to forget") }
            return .change(handle, .keysForgotten(count: count))
        default:
            throw .corrupt("unknown record kind \(kind)")
        }
    }

    private static func decodeChange(
        _ kind: UInt8, _ id: HoldID, from reader: inout ByteReader
    ) throws(WALError)
        -> SessionChange
    {
        switch kind {
        case 10, 16:
            let customer = try Self.id(&reader)
            let seats = try Self.seats(&reader, orNone: kind == 16)
            let created = Int64(try reader.int(max: Int(Int64.max / 2)))
            let ttl = Int64(try reader.int(max: Limits.ttlSecondsMax * 1_000))
            let key = try reader.string(maxBytes: Limits.idCharactersMax)
            let places = kind == 16 ? try Self.places(&reader) : []
            return .held(
                HeldRecord(
                    holdID: id, customer: customer, seats: seats, createdAtMs: created,
                    expiresAtMs: created + ttl, key: key.isEmpty ? nil : key, places: places))
        case 11: return .extended(id, expiresAtMs: Int64(try reader.int(max: Int(Int64.max / 2))))
        case 12:
            let ref = try reader.string(maxBytes: Limits.idCharactersMax)
            return .confirmed(id, ref: ref.isEmpty ? nil : ref)
        case 13: return .released(id)
        case 14: return .expired(id)
        case 15: return .cancelled(id, seats: try Self.seats(&reader))
        case 22, 23:
            let seats = try Self.seats(&reader, orNone: true)
            let places = try Self.places(&reader, orNone: true)
            guard !seats.isEmpty || !places.isEmpty else { throw .corrupt("no items") }
            return kind == 22
                ? .added(id, seats: seats, places: places) : .releasedItems(id, seats: seats, places: places)
        case 24, 25:
            let customer = try Self.id(&reader)
            let seats = try Self.seats(&reader, orNone: true)
            let created = Int64(try reader.int(max: Int(Int64.max / 2)))
            let expires = kind == 25 ? Int64(try reader.int(max: Int(Int64.max / 2))) : created
            let places = try Self.places(&reader, orNone: true)
            let ref = try reader.string(maxBytes: Limits.idCharactersMax)
            guard !seats.isEmpty || !places.isEmpty else { throw .corrupt("no items") }
            let record = HeldRecord(
                holdID: id, customer: customer, seats: seats, createdAtMs: created,
                expiresAtMs: expires, key: nil, places: places)
            let refOrNil = ref.isEmpty ? nil : ref
            return kind == 24 ? .sold(record, ref: refOrNil) : .lateConfirmed(record, ref: refOrNil)
        default: return .cancelled(id, seats: try Self.seats(&reader, orNone: true), places: try Self.places(&reader))
        }
    }

    /// A place list of a record: areas and places within the limits of any hall.
    private static func places(_ reader: inout ByteReader, orNone: Bool = false) throws(WALError) -> [PlaceCount] {
        try reader.places(areasBelow: HallPart.perKindMax, orNone: orNone) { _ in HallPart.areaCapacityMax }
    }

    private static func id(_ reader: inout ByteReader) throws(WALError) -> String {
        let text = try reader.string(maxBytes: Limits.idCharactersMax)
        guard Identifier.isValid(text) else { throw .corrupt("bad id \(text)") }
        return text
    }

    /// A seat list of a record (`SeatListForm.deltas`): seats within the limits of any hall.
    private static func seats(_ reader: inout ByteReader, orNone: Bool = false) throws(WALError) -> [Int32] {
        try reader.seats(as: .deltas, below: Limits.hallSeatsMax, orNone: orNone)
    }
}
