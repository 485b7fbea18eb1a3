import Foundation
import SeatActors
import SeatdTestSupport
import Testing

@testable import Store
@testable import WAL

/// Goal: a data directory written by the release before protocol 1.1 still loads, with every fact it held, and
/// the 1.1 records and snapshot fields survive a round trip. Method: `Tests/Fixtures/v1-data` was written by that
/// release (`Tests/Fixtures/v1-data.transcript` holds the requests and replies that made it: a snapshot at LSN 14,
/// then five more records, then kill -9); it is copied to a temp directory and recovered with and without its
/// snapshot, then taken on with 1.1 changes and recovered again.
struct CompatibilityTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/v1-data").path

    func copyFixture(to directory: String) throws {
        for sub in ["wal", "snapshots"] {
            try FileManager.default.copyItem(atPath: Self.fixture + "/" + sub, toPath: directory + "/" + sub)
        }
    }

    /// What the transcript's MAP and LIST replies showed before the kill.
    func expectTheTranscriptsState(_ state: RegistryState) throws {
        #expect(Set(state.halls.keys) == ["h1", "h2"])
        #expect(state.halls["h1"]!.specs.map(\.description) == ["A=10", "B=1-4,7-10", "C=12"])
        #expect(state.handles["gone"] == nil)
        let s1 = try #require(state.handles["s1"].flatMap { state.sessions[$0] })
        let s2 = try #require(state.handles["s2"].flatMap { state.sessions[$0] })
        #expect(s1.mapRows().map(\.states) == ["xx.xxx..x.", "........", "............"])
        #expect(s2.mapRows().map(\.states) == ["..........", "hh......", "............"])
        #expect(s1.counts.free == 24 && s1.counts.held == 0 && s1.counts.sold == 6 && !s1.counts.setAside)
        #expect(s1.config.ttlSeconds == 600 && s1.config.maxTTLSeconds == 3_600 && s1.config.customerSeatsMax == 8)
        #expect(s1.list(customer: "ann").map { "\($0.holdID):\($0.isSold)" } == ["477eb3a2c950c3c1:true"])
        #expect(s1.list(customer: "dan").map { $0.seats.map(\.description) } == [["A9"]])
        #expect(s1.holds[HoldID("477eb3a2c950c3c1")!]!.ref == "pay-1")
        #expect(s1.storedKeys.map(\.key) == ["k1", "k2"])
        #expect(s2.hasExpired(HoldID("acf2d450215afd53")!))
        #expect(s1.confirmsTotal == 3 && s1.lastLSN == 17)
    }

    @Test func aV1DataDirectoryLoadsWithAndWithoutItsSnapshot() async throws {
        try await withTemporaryDirectory { directory in
            try self.copyFixture(to: directory)
            let opened = try DataDirectory.open(directory, repair: false)
            #expect(opened.snapshotLSN == 14)
            #expect(opened.recovered.lastLSN == 19)
            try self.expectTheTranscriptsState(opened.recovered.state)
            try FileManager.default.removeItem(atPath: directory + "/snapshots")
            try FileManager.default.createDirectory(
                atPath: directory + "/snapshots", withIntermediateDirectories: false)
            let replayed = try DataDirectory.open(directory, repair: false)
            #expect(replayed.snapshotLSN == nil)
            try self.expectTheTranscriptsState(replayed.recovered.state)
            // The v1 snapshot holds no event history: the replay from the whole log has a longer one.
            #expect(
                digests(replayed.recovered.state, history: false) == digests(opened.recovered.state, history: false))
        }
    }

    @Test func aV1DataDirectoryTakesOnWith1_1Changes() async throws {
        try await withTemporaryDirectory { directory in
            try self.copyFixture(to: directory)
            let clock = ManualClock(startMs: 1_796_125_600_000)
            let service = try LogService(data: directory, clock: clock, ids: SeededHoldIDSource(seed: 5))
            let registry = service.registry
            let s1 = try #require(registry.session("s1"))
            _ = try #require(try? (await s1.block([SeatLabel("C1")!, SeatLabel("C2")!], true)).result.get())
            _ = try #require(try? (await s1.reserve([SeatLabel("C5")!], for: "box")).result.get())
            let (hall, _) = try registry.createHall(
                id: "venue", rows: [RowSpec(label: "A", ranges: [1...4])],
                parts: [.area("pit", capacity: 10), .category("vip", [.area("pit")])])
            #expect(hall.capacity == 14)
            let s3 = try registry.createSession(try SessionConfig(id: "s3", hallID: "venue", avoidsOrphans: true))
            let held = try
                (await s3.hold(
                    customer: "zed", selection: .explicit([]),
                    options: HoldOptions(places: [AreaPlaces(area: "pit", count: 4)]))).result.get()
            #expect(held.places == [AreaPlaces(area: "pit", count: 4)])
            try await service.durable(CommitToken(epoch: 0, lsn: registry.log.lastLSN))
            let before = await digests(registry)
            _ = try await service.takeSnapshot()
            service.close()
            let reopened = try DataDirectory.open(directory, repair: false)
            #expect(digests(reopened.recovered.state) == before)
            #expect(reopened.recovered.state.halls["venue"]!.partTexts == ["A=4", "ga:pit=10", "cat:vip=pit"])
            // And from the log alone.
            try FileManager.default.removeItem(atPath: directory + "/snapshots")
            try FileManager.default.createDirectory(
                atPath: directory + "/snapshots", withIntermediateDirectories: false)
            // (The whole log also rebuilds the events from before the v1 snapshot, which the live history lacks.)
            let beforeState = await digests(registry, history: false)
            #expect(
                digests(try DataDirectory.open(directory, repair: false).recovered.state, history: false) == beforeState
            )
        }
    }

    static let records1_1: [LogRecord] = {
        let id = HoldID(raw: 0xFEED_0000_0000_0002)
        return [
            .hallCreated(
                id: "v", rows: [RowSpec(label: "A", ranges: [1...20])],
                parts: [
                    .area("pit", capacity: 500),
                    .category("vip", [.seats(SeatLabel("A1")!, through: SeatLabel("A5")!), .area("pit")]),
                    .flag("wheelchair", [.seats(SeatLabel("A20")!, through: SeatLabel("A20")!)]),
                ]),
            .sessionCreated(try! SessionConfig(id: "s", hallID: "v", avoidsOrphans: true)),
            .change(
                9,
                .held(
                    HeldRecord(
                        holdID: id, customer: "c", seats: [], createdAtMs: 1, expiresAtMs: 9, key: "k",
                        places: [PlaceCount(area: 0, count: 12)]))),
            .change(
                9,
                .held(
                    HeldRecord(
                        holdID: id, customer: "c", seats: [2, 3], createdAtMs: 1, expiresAtMs: 9, key: nil,
                        places: [PlaceCount(area: 0, count: 1), PlaceCount(area: 3, count: 2)]))),
            .change(9, .cancelled(id, seats: [], places: [PlaceCount(area: 0, count: 1)])),
            .change(9, .cancelled(id, seats: [4], places: [PlaceCount(area: 1, count: 1)])),
            .change(9, .blocked(seats: [0, 7])),
            .change(9, .unblocked(seats: [7])),
            .change(9, .reserved(channel: "box-1", seats: [1, 2, 3])),
            .change(9, .unreserved(seats: [3])),
        ]
    }()

    @Test(arguments: CompatibilityTests.records1_1)
    func every1_1RecordRoundTrips(record: LogRecord) throws {
        #expect(try RecordCodec.decodeAll(RecordCodec.encode(record)[...], count: 1) == [record])
    }

    @Test func v1ShapesAreWrittenInV1Kinds() {
        let held = LogRecord.change(
            2,
            .held(
                HeldRecord(
                    holdID: HoldID(raw: 5), customer: "c", seats: [1], createdAtMs: 1,
                    expiresAtMs: 2, key: nil)))
        #expect(RecordCodec.encode(held).first == 10)
        #expect(RecordCodec.encode(.change(2, .cancelled(HoldID(raw: 5), seats: [1]))).first == 15)
        #expect(RecordCodec.encode(.sessionCreated(try! SessionConfig(id: "s", hallID: "h"))).first == 2)
    }
}
