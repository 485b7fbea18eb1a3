import Foundation
import SeatActors
import Testing
import WAL

@testable import Server

/// Goal: the NATS publisher's position file keeps its format (`Format`, "The NATS publisher's position"): the
/// bytes written are the ones older versions wrote and read, files older versions wrote load, and anything else is
/// refused rather than read as a position. Method: fixed texts, and a save and a load through a temp directory on
/// the blocking I/O thread.
struct PublisherPositionTests {
    @Test func theTextIsTheDocumentedLines() {
        var position = EventPublisher.Position()
        #expect(position.text == "acked 0\ndropped 0\n")
        position.acked = 42
        position.dropped = 3
        position.ackedBySession = ["s2": 5, "s1": 7]
        #expect(position.text == "acked 42\ndropped 3\nsession s1 7\nsession s2 5\n")
        #expect(EventPublisher.Position(text: position.text) == position)
    }

    @Test func linesInAnyOrderLoadAndOthersAreRefused() {
        let read = EventPublisher.Position(text: "session a 2\nacked 9\n")
        #expect(read?.acked == 9 && read?.dropped == 0 && read?.ackedBySession == ["a": 2])
        for text in ["acked x\n", "acked 1 2\n", "dropped -\n", "session a\n", "hello 1\n", "acked -1\n"] {
            #expect(EventPublisher.Position(text: text) == nil, "\(text)")
        }
    }

    @Test func aSavedPositionLoadsBackAndACorruptFileIsRefused() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("seatd-pos-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let path = data + "/nats-acked"
        #expect(try EventPublisher.Position.load(path) == EventPublisher.Position())
        var position = EventPublisher.Position()
        position.acked = 1_000
        position.ackedBySession = ["s": 1_000]
        try await position.save(to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "acked 1000\ndropped 0\nsession s 1000\n")
        #expect(try EventPublisher.Position.load(path) == position)
        try "acked 1\ngarbage\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: WALError.self) { try EventPublisher.Position.load(path) }
    }
}
