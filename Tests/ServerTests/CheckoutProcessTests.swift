import Foundation
import SeatActors
import SeatdTestSupport
import Testing

@testable import Server

/// Goal: across `kill -9` of the real binary, a key of every change verb answers its first reply byte for byte,
/// and a late CONFIRM decided before the crash stays decided (its items sold) after it, while a hold that lapsed
/// past its grace stays EXPIRED. Method: `ProcessTests`' launcher on a temp data directory; one-second holds with
/// a grace of an hour, so the late payment does not depend on how slow the machine is.
struct CheckoutProcessTests {
    @Test func keysOfEveryVerbAndALateConfirmSurviveKillNine() async throws {
        let data = TemporaryDirectory.path("checkout")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let tests = ProcessTests()
        var server = try await ProcessTests.Seatd(data: data)
        _ = try await tests.exchange(
            server.port, ["CREATE HALL h A=10 B=10 ga:pit=20", "CREATE SESSION s h grace=3600"])
        let held = try await tests.exchange(server.port, ["HOLD s ann A1 A2 A3 key=h1"])[0]
        let hold = String(held.split(separator: " ")[1])
        let boxHold = try await tests.exchange(server.port, ["HOLD s box B1 key=h2"])[0]
        let box = String(boxHold.split(separator: " ")[1])
        var first: [String: String] = ["h1": held, "h2": boxHold]
        let keyed = [
            ("a1", "ADD s \(hold) A4 pit:2 key=a1"), ("r1", "RELEASE s \(hold) A2 key=r1"),
            ("e1", "EXTEND s \(hold) 600 key=e1"), ("c1", "CONFIRM s \(hold) ref=p1 key=c1"),
            ("x1", "CANCEL s \(hold) A3 key=x1"), ("s1", "SELL s walkin B5 B6 ref=cash key=s1"),
            ("w1", "RELEASE s \(box) key=w1"),
        ]
        for (key, request) in keyed {
            let reply = try await tests.exchange(server.port, [request])[0]
            #expect(reply.hasPrefix("OK "), "\(request) -> \(reply)")
            first[key] = reply
        }
        // A hold that lapses at once; its owner pays within the grace, before the crash.
        let lateHeld = try await tests.exchange(server.port, ["HOLD s cy B9 pit:1 ttl=1"])[0]
        let late = String(lateHeld.split(separator: " ")[1])
        let expires = Double(lateHeld.split(separator: " ")[2])! / 1_000
        try await Task.sleep(for: .seconds(max(0, expires - Date().timeIntervalSince1970) + 0.3))
        let lateConfirm = try await tests.exchange(server.port, ["CONFIRM s \(late) key=l1"])[0]
        #expect(lateConfirm == "OK \(late) B9 pit:1")
        first["l1"] = lateConfirm
        let map = try await tests.exchange(server.port, ["MAP s"])[0]
        #expect(server.kill(SIGKILL) == SIGKILL)

        server = try await ProcessTests.Seatd(data: data)
        #expect(try await tests.exchange(server.port, ["MAP s"])[0] == map)
        // Every key answers its first reply, whatever the request carrying it asks now.
        let again = [
            ("h1", "HOLD s other A7 key=h1"), ("h2", "HOLD s other A8 key=h2"), ("a1", "ADD s \(hold) A9 key=a1"),
            ("r1", "RELEASE s \(hold) A1 key=r1"), ("e1", "EXTEND s \(hold) 5 key=e1"),
            ("c1", "CONFIRM s \(hold) key=c1"),
            ("x1", "CANCEL s \(hold) A1 key=x1"), ("s1", "SELL s walkin B7 key=s1"), ("w1", "RELEASE s \(box) key=w1"),
            ("l1", "CONFIRM s \(late) key=l1"),
        ]
        for (key, request) in again {
            #expect(try await tests.exchange(server.port, [request])[0] == first[key], "\(request)")
        }
        // The late payment stays: B9 is sold, and a CONFIRM without the key answers as a repeat.
        #expect(try await tests.exchange(server.port, ["CONFIRM s \(late)"])[0] == "OK \(late) B9 pit:1")
        #expect(try await tests.exchange(server.port, ["MAP s"])[0] == map)
        #expect(server.kill(SIGTERM) == 0)
    }
}
