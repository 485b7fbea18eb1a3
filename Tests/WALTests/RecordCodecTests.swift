import SeatActors
import Testing

@testable import Store
@testable import WAL

/// Goal: every record kind survives encoding and decoding exactly, alone and in batches, raw and LZ4; bad bytes
/// are refused, never trapped on. Method: round trips and hand-made damage.
struct RecordCodecTests {
    static let everyKind: [LogRecord] = {
        let id = HoldID(raw: 0xDEAD_BEEF_0000_0001)
        return [
            .hallCreated(
                id: "hall-1",
                rows: [
                    RowSpec(label: "A", ranges: [1...20]),
                    RowSpec(label: "BB", ranges: [1...10, 13...22]),
                ]),
            .sessionCreated(
                try! SessionConfig(
                    id: "s:1", hallID: "hall-1", ttlSeconds: 60, maxTTLSeconds: 600,
                    customerSeatsMax: 4)),
            .sessionCreated(try! SessionConfig(id: "s2", hallID: "hall-1")),
            .sessionDropped(77),
            .change(
                2,
                .held(
                    HeldRecord(
                        holdID: id, customer: "cust_9", seats: [0, 5, 6, 39], createdAtMs: 1_800_000_000_123,
                        expiresAtMs: 1_800_000_900_123, key: "k-1"))),
            .change(
                2, .held(HeldRecord(holdID: id, customer: "c", seats: [3], createdAtMs: 5, expiresAtMs: 6, key: nil))),
            .change(2, .extended(id, expiresAtMs: 1_800_001_000_000)),
            .change(300, .confirmed(id, ref: "pay.42")),
            .change(300, .confirmed(id, ref: nil)),
            .change(1, .released(id)),
            .change(1, .expired(id)),
            .change(1 << 40, .cancelled(id, seats: [5, 39])),
        ]
    }()

    @Test(arguments: RecordCodecTests.everyKind)
    func everyRecordKindRoundTrips(record: LogRecord) throws {
        let bytes = RecordCodec.encode(record)
        #expect(try RecordCodec.decodeAll(bytes[...], count: 1) == [record])
    }

    @Test(arguments: [1, 40])
    func aBatchOfEveryKindRoundTripsRawAndCompressed(copies: Int) throws {
        // One small record is stored raw; forty copies of every kind compress.
        let records =
            copies == 1
            ? [LogRecord.sessionDropped(77)] : Array(repeating: Self.everyKind, count: copies).flatMap { $0 }
        var writer = ByteWriter()
        for record in records { RecordCodec.encode(record, into: &writer) }
        let (bytes, crc) = Batch.encode(firstLSN: 9, count: records.count, payload: writer.bytes, previousCRC: 123)
        let compressed = bytes[5] & Format.flagLZ4 != 0
        #expect(compressed == (copies > 1))
        guard case .batch(let batch, let readCRC, let size) = Batch.read(bytes, at: 0, expectedLSN: 9, previousCRC: 123)
        else {
            Issue.record("batch did not read back")
            return
        }
        #expect(readCRC == crc)
        #expect(size == bytes.count)
        #expect(size % 8 == 0)
        #expect(try RecordCodec.decodeAll(batch.payload, count: batch.count) == records)
    }

    @Test func aBatchIsCheckedAgainstItsChainAndLSN() {
        let (bytes, _) = Batch.encode(
            firstLSN: 9, count: 1, payload: RecordCodec.encode(.sessionDropped(1)), previousCRC: 5)
        guard case .invalid = Batch.read(bytes, at: 0, expectedLSN: 10, previousCRC: 5) else {
            Issue.record("wrong LSN accepted")
            return
        }
        guard case .invalid = Batch.read(bytes, at: 0, expectedLSN: 9, previousCRC: 6) else {
            Issue.record("broken chain accepted")
            return
        }
        for index in bytes.indices {
            var damaged = bytes
            damaged[index] ^= 0x10
            if case .batch = Batch.read(damaged, at: 0, expectedLSN: 9, previousCRC: 5) {
                Issue.record("a flipped bit at \(index) went unnoticed")
            }
        }
    }

    @Test func truncatedRecordsThrowRatherThanTrap() {
        for record in Self.everyKind {
            let bytes = RecordCodec.encode(record)
            for cut in 0..<bytes.count {
                #expect(throws: WALError.self) { try RecordCodec.decodeAll(bytes[0..<cut], count: 1) }
            }
        }
    }

    /// Found by `make fuzz` (log-fuzz): a batch whose header claims billions of records made recovery reserve
    /// them all and die out of memory instead of refusing the batch.
    @Test func aRecordCountLargerThanThePayloadIsRefused() {
        let payload = RecordCodec.encode(Self.everyKind[0])
        #expect(throws: WALError.self) { try RecordCodec.decodeAll(payload[...], count: 0x4E70_0000) }
        let (bytes, _) = Batch.encode(firstLSN: 1, count: 1, payload: payload, previousCRC: 0)
        var lying = bytes
        // count (u32 at 16) := raw length + 1, then make the CRC right again: only the length check can refuse it.
        let count = UInt32(payload.count + 1)
        for index in 0..<4 { lying[16 + index] = UInt8(truncatingIfNeeded: count >> UInt32(8 * index)) }
        let crc = CRC32C.checksum(lying[40..<(40 + payload.count)], continuing: CRC32C.checksum(lying[0..<32]))
        for index in 0..<4 { lying[32 + index] = UInt8(truncatingIfNeeded: crc >> UInt32(8 * index)) }
        guard case .invalid(let reason) = Batch.read(lying, at: 0, expectedLSN: 1, previousCRC: 0) else {
            Issue.record("a batch with more records than bytes was read")
            return
        }
        #expect(reason == "bad lengths")
    }

    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        let long = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(CRC32C.checksum(long[500...], continuing: CRC32C.checksum(long[..<500])) == CRC32C.checksum(long))
    }

    @Test func lz4RoundTripsAndRefusesGarbage() throws {
        let input = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 % 97) }
        let compressed = try #require(LZ4.compress(input))
        #expect(compressed.count < input.count)
        #expect(LZ4.decompress(compressed[...], rawCount: input.count) == input)
        #expect(LZ4.decompress(compressed[...], rawCount: input.count + 1) == nil)
        #expect(LZ4.compress([1, 2, 3]) == nil)
    }
}
