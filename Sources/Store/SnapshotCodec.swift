import SeatActors
import WAL

/// The snapshot payload, before compression: halls (id, parts as text), then sessions (handle, settings, last LSN,
/// confirmations, holds, idempotency keys, remembered expired ids). Encoded with the same varints and strings as
/// log records, but seat lists as the indices themselves, not deltas (`SeatListForm.indices`; place lists as in
/// records, `ItemListCodec.swift`); every index a session keeps is rebuilt from these facts on load.
///
/// Version 2 (protocol 1.1) adds: hall parts beside the row specs (`ga:`, `cat:`, `flag:`), session flags after
/// the limit (bit 0: orphans=avoid), places after each hold and each key (a count, then area index and places
/// pairs), and after the expired ids the blocked seats and the reservations (a count, then channel and seats).
/// Version 3 (1.1's checkouts) adds: grace and keyttl after the session flags; each key's reply form and the time
/// it was used, after its places; after the reservations, the lapsed holds kept for a late CONFIRM (count, then
/// each as a hold is stored). Versions 1 and 2 still load; their keys count as used at the hold's creation.
/// Version 4 (1.1's events) adds, after the lapsed holds, the session's event history: the seq of the newest event
/// trimmed, the number trimmed, a count, then each event (seq less the previous one's, unix ms, kind, hold id or 0,
/// customer, seats, places, and a ref flag and ref). Older images load with an empty history.
enum SnapshotCodec {
    /// The version written.
    static let version: UInt16 = 4

    static func encode(_ image: SnapshotImage) -> [UInt8] {
        var writer = ByteWriter()
        writer.varint(image.halls.count)
        for hall in image.halls.sorted(by: { $0.id < $1.id }) {
            writer.string(hall.id)
            let texts = hall.partTexts
            writer.varint(texts.count)
            for text in texts { writer.string(text) }
        }
        writer.varint(image.sessions.count)
        for session in image.sessions.sorted(by: { $0.handle < $1.handle }) { Self.encode(session, into: &writer) }
        return writer.bytes
    }

    private static func encode(_ session: SessionState, into writer: inout ByteWriter) {
        writer.varint(session.handle)
        writer.string(session.config.id)
        writer.string(session.config.hallID)
        writer.varint(session.config.ttlSeconds)
        writer.varint(session.config.maxTTLSeconds)
        writer.varint(session.config.customerSeatsMax ?? 0)
        writer.varint(session.config.avoidsOrphans ? 1 : 0)
        writer.varint(session.config.graceSeconds)
        writer.varint(session.config.keyTTLSeconds)
        writer.varint(session.lastLSN)
        writer.varint(session.confirmsTotal)
        writer.varint(session.holds.count)
        for hold in session.holds.values.sorted(by: { $0.createdLSN < $1.createdLSN }) {
            Self.encode(hold, into: &writer)
        }
        let keys = session.storedKeys
        writer.varint(keys.count)
        for key in keys {
            writer.string(key.key)
            writer.u64(key.holdID.raw)
            writer.varint(UInt64(key.expiresAtMs))
            writer.seats(key.seats, as: .indices)
            writer.places(key.places)
            writer.u8(key.form.rawValue)
            writer.varint(UInt64(key.usedAtMs))
        }
        let expired = session.expiredHoldIDs
        writer.varint(expired.count)
        for id in expired { writer.u64(id.raw) }
        writer.seats(session.seats.blockedSeats, as: .indices)
        let reservations = session.seats.reservations
        writer.varint(reservations.count)
        for reservation in reservations {
            writer.string(reservation.channel)
            writer.seats(reservation.seats, as: .indices)
        }
        let lapsed = session.graceHoldsInOrder
        writer.varint(lapsed.count)
        for hold in lapsed { Self.encode(hold, into: &writer) }
        writer.varint(session.trimmedThrough)
        writer.varint(session.eventsTrimmed)
        writer.varint(session.history.count)
        var previous = session.trimmedThrough
        for event in session.history {
            writer.varint(event.seq - previous)
            previous = event.seq
            writer.varint(UInt64(max(event.atMs, 0)))
            writer.u8(Self.kindCodes[event.kind]!)
            writer.u64(event.holdID?.raw ?? 0)
            writer.string(event.customer)
            writer.seats(event.seats, as: .indices)
            writer.places(event.places)
            writer.u8(event.ref == nil ? 0 : 1)
            if let ref = event.ref { writer.string(ref) }
        }
    }

    /// Event kinds as stored: the codes never change, new kinds take new ones.
    private static let kinds: [ChangeEvent.Kind] = [
        .held, .extended, .released, .expired, .confirmed, .cancelled, .added, .blocked, .unblocked, .reserved,
        .unreserved,
    ]
    private static let kindCodes: [ChangeEvent.Kind: UInt8] = Dictionary(
        uniqueKeysWithValues: Self.kinds.enumerated().map { ($1, UInt8($0)) })

    private static func decodeHistory(_ reader: inout ByteReader, into session: inout SessionState) throws(WALError) {
        let trimmedThrough = try reader.varint()
        let trimmed = try reader.int(max: Int.max)
        var events: [SessionEvent] = []
        var seq = trimmedThrough
        for _ in 0..<(try reader.int(max: Limits.eventsRetainedMax)) {
            let delta = try reader.varint()
            guard delta >= 1, delta <= LSN.max - seq else { throw .corrupt("event seqs not ascending") }
            seq += delta
            let atMs = Int64(try reader.int(max: Int(Int64.max / 2)))
            let code = Int(try reader.u8())
            guard code < Self.kinds.count else { throw .corrupt("unknown event kind \(code)") }
            let raw = try reader.u64()
            let customer = try reader.string(maxBytes: Limits.idCharactersMax)
            let seats = try Self.seats(&reader, capacity: session.hall.seatCount)
            let places = try Self.places(&reader, hall: session.hall)
            let ref = try reader.u8() == 0 ? nil : try reader.string(maxBytes: Limits.idCharactersMax)
            events.append(
                SessionEvent(
                    seq: seq, atMs: atMs, kind: Self.kinds[code],
                    holdID: raw == 0 ? nil : HoldID(raw: raw), customer: customer, seats: seats,
                    places: places, ref: ref))
        }
        do { try session.restoreHistory(events, trimmedThrough: trimmedThrough, eventsTrimmed: trimmed) } catch {
            throw .corrupt("\(error)")
        }
    }

    private static func encode(_ hold: Hold, into writer: inout ByteWriter) {
        writer.u64(hold.id.raw)
        writer.string(hold.customer)
        writer.seats(hold.seats, as: .indices)
        writer.varint(UInt64(hold.createdAtMs))
        writer.varint(UInt64(hold.expiresAtMs))
        writer.u8(hold.isSold ? 1 : 0)
        writer.string(hold.ref ?? "")
        writer.varint(hold.createdLSN)
        writer.places(hold.places)
    }

    private static func decodeHold(_ reader: inout ByteReader, hall: Hall, version: UInt16) throws(WALError) -> Hold {
        let raw = try reader.u64()
        let customer = try reader.string(maxBytes: Limits.idCharactersMax)
        let seats = try Self.seats(&reader, capacity: hall.seatCount)
        let created = Int64(try reader.int(max: Int(Int64.max / 2)))
        let expires = Int64(try reader.int(max: Int(Int64.max / 2)))
        let sold = try reader.u8() == 1
        let ref = try reader.string(maxBytes: Limits.idCharactersMax)
        let createdLSN = try reader.varint()
        let places = version >= 2 ? try Self.places(&reader, hall: hall) : []
        guard raw != 0 else { throw .corrupt("hold id 0") }
        return Hold(
            id: HoldID(raw: raw), customer: customer, seats: seats, createdAtMs: created, expiresAtMs: expires,
            isSold: sold, ref: ref.isEmpty ? nil : ref, createdLSN: createdLSN, places: places)
    }

    /// A place list of a session's hall.
    private static func places(_ reader: inout ByteReader, hall: Hall) throws(WALError) -> [PlaceCount] {
        try reader.places(areasBelow: hall.areas.count, orNone: true) { hall.areas[$0].capacity }
    }

    static func decode(
        _ bytes: ArraySlice<UInt8>, lsn: LSN, version: UInt16 = Self.version
    ) throws(WALError)
        -> SnapshotImage
    {
        var reader = ByteReader(bytes)
        var halls: [String: Hall] = [:]
        for _ in 0..<(try reader.int(max: 1 << 24)) {
            let id = try reader.string(maxBytes: Limits.idCharactersMax)
            var texts: [Substring] = []
            for _ in 0..<(try reader.int(max: Limits.hallSeatsMax)) {
                let text = try reader.string(maxBytes: 1 << 20)
                guard version >= 2 || !HallPart.isPart(text[...]) else {
                    throw .corrupt("hall part \(text) in a v1 snapshot")
                }
                texts.append(text[...])
            }
            do {
                let (rows, parts) = try Hall.parse(texts)
                halls[id] = try Hall(id: id, specs: rows, parts: parts)
            } catch { throw .corrupt("hall \(id): \(error)") }
        }
        var sessions: [SessionState] = []
        for _ in 0..<(try reader.int(max: 1 << 24)) {
            sessions.append(try Self.decodeSession(&reader, halls: halls, version: version))
        }
        guard reader.isAtEnd else { throw .corrupt("bytes left after the snapshot") }
        return SnapshotImage(lsn: lsn, halls: Array(halls.values), sessions: sessions)
    }

    private static func decodeSession(
        _ reader: inout ByteReader, halls: [String: Hall], version: UInt16
    ) throws(WALError) -> SessionState {
        let handle = try reader.varint()
        let id = try reader.string(maxBytes: Limits.idCharactersMax)
        let hallID = try reader.string(maxBytes: Limits.idCharactersMax)
        let ttl = try reader.int(max: Limits.ttlSecondsMax)
        let maxTTL = try reader.int(max: Limits.ttlSecondsMax)
        let limit = try reader.int(max: Int(Int32.max))
        let flags = version >= 2 ? try reader.int(max: 1) : 0
        let grace = version >= 3 ? try reader.int(max: Limits.ttlSecondsMax) : 0
        let keyTTL = version >= 3 ? try reader.int(max: Limits.keyTTLSecondsMax) : SessionConfig.keyTTLSecondsDefault
        let config: SessionConfig
        do {
            config = try SessionConfig(
                id: id, hallID: hallID, ttlSeconds: ttl, maxTTLSeconds: maxTTL,
                customerSeatsMax: limit == 0 ? nil : limit, avoidsOrphans: flags & 1 != 0,
                graceSeconds: grace, keyTTLSeconds: keyTTL)
        } catch { throw .corrupt("session \(id): \(error)") }
        guard let hall = halls[hallID] else { throw .corrupt("session \(id) of unknown hall \(hallID)") }
        let lastLSN = try reader.varint()
        let confirms = try reader.int(max: Int.max)
        var holds: [Hold] = []
        for _ in 0..<(try reader.int(max: Limits.hallSeatsMax)) {
            holds.append(try Self.decodeHold(&reader, hall: hall, version: version))
        }
        var keys: [KeyedReply] = []
        for _ in 0..<(try reader.int(max: 1 << 30)) {
            let key = try reader.string(maxBytes: Limits.idCharactersMax)
            let raw = try reader.u64()
            let expires = Int64(try reader.int(max: Int(Int64.max / 2)))
            let seats = try Self.seats(&reader, capacity: hall.seatCount)
            let places = version >= 2 ? try Self.places(&reader, hall: hall) : []
            let form = version >= 3 ? try reader.u8() : 0
            // Before version 3 only HOLDs had keys, used when the hold was made: its expiry less the session's ttl.
            let used = version >= 3 ? Int64(try reader.int(max: Int(Int64.max / 2))) : expires - Int64(ttl) * 1_000
            guard raw != 0, let form = KeyedReply.Form(rawValue: form) else {
                throw .corrupt("hold id 0 or an unknown reply form")
            }
            keys.append(
                KeyedReply(
                    key: key, form: form, holdID: HoldID(raw: raw), expiresAtMs: expires, seats: seats,
                    places: places, usedAtMs: used))
        }
        var expired: [HoldID] = []
        for _ in 0..<(try reader.int(max: Limits.expiredHoldsRememberedMax)) {
            let raw = try reader.u64()
            guard raw != 0 else { throw .corrupt("hold id 0") }
            expired.append(HoldID(raw: raw))
        }
        var blocked: [Int32] = []
        var reservations: [(channel: String, seats: [Int32])] = []
        if version >= 2 {
            blocked = try Self.seats(&reader, capacity: hall.seatCount)
            for _ in 0..<(try reader.int(max: hall.seatCount)) {
                let channel = try reader.string(maxBytes: Limits.idCharactersMax)
                guard Identifier.isValid(channel) else { throw .corrupt("bad channel \(channel)") }
                reservations.append((channel, try Self.seats(&reader, capacity: hall.seatCount)))
            }
        }
        var lapsed: [Hold] = []
        if version >= 3 {
            for _ in 0..<(try reader.int(max: Limits.expiredHoldsRememberedMax)) {
                lapsed.append(try Self.decodeHold(&reader, hall: hall, version: version))
            }
        }
        var session: SessionState
        do {
            session = try SessionState(
                restoring: handle, config: config, hall: hall, lastLSN: lastLSN,
                confirmsTotal: confirms, holds: holds, keys: keys, expired: expired,
                blocked: blocked, reservations: reservations, graceHolds: lapsed)
        } catch {
            throw .corrupt("\(error)")
        }
        if version >= 4 { try Self.decodeHistory(&reader, into: &session) }
        return session
    }

    /// A seat list of a hall of `capacity` seats (`SeatListForm.indices`).
    private static func seats(_ reader: inout ByteReader, capacity: Int) throws(WALError) -> [Int32] {
        try reader.seats(as: .indices, below: capacity, orNone: true)
    }
}
