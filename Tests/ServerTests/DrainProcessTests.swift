import Foundation
import SeatActors
import SeatdTestSupport
import Testing

/// Goal: SIGTERM in the middle of a stream of pipelined keyed HOLDs loses no answer: the client sees no reset,
/// every reply it gets is whole and in request order, each either `OK` (applied) or `ERR UNAVAILABLE shutting down`
/// (read before the drain, not applied); after a restart the seat map agrees with every reply, and an applied request
/// sent again with its key answers as the first time did (a request that got no reply is settled by its key).
/// Method: the real binary with an 8-deep pipeline limit (so that lines read wait their turn); a plain socket writes 1,500 HOLDs at once and 1,500 more from another thread while it
/// reads; SIGTERM once 300 replies are in; then the rest read to the end, the process restarted on its data.
struct DrainProcessTests {
    static let requests = 3_000

    /// Seats A1-A100 ... of 30 rows, one per request.
    static let seats: [String] = (0..<30).flatMap { row in
        (1...100).map { "\(RowSpec.label(forRowIndex: row))\($0)" }
    }

    static func hold(_ index: Int) -> String { "HOLD s c\(index) \(Self.seats[index]) key=k\(index)\n" }

    /// Writes all of `text`, without SIGPIPE once the server is gone; false when the connection ended first.
    static func write(_ fd: Int32, _ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return false }
            bytes = bytes.dropFirst(sent)
        }
        return true
    }

    /// Runs blocking work on a thread of its own and returns its result.
    static func offPool<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    @Test func sigtermAnswersEveryRequestItTookAndResetsNothing() async throws {
        let data = TemporaryDirectory.path("drain")
        defer { try? FileManager.default.removeItem(atPath: data) }
        // A shallow pipeline: lines read wait their turn, so the drain finds some read and not executed.
        // A long drain grace: a test starved by its neighbours in a parallel run must still read every reply before
        // the server gives up on it.
        let server = try await ProcessTests.Seatd(
            data: data, environment: ["SEATD_LIMITS_PIPELINE": "8", "SEATD_LIMITS_DRAIN_GRACE_MS": "20000"])
        let rows = (0..<30).map { "\(RowSpec.label(forRowIndex: $0))=100" }.joined(separator: " ")
        #expect(
            try await ProcessTests().exchange(server.port, ["CREATE HALL h \(rows)", "CREATE SESSION s h"])
                == ["OK h 3000", "OK s 3000"])

        // The socket work blocks: it runs on a thread of its own, so that the shared pool's few threads stay free
        // for the tests that run beside this one.
        let pid = server.server.process.processIdentifier
        let port = server.port
        let (text, reset, killed) = try await Self.offPool { () throws -> (String, Bool, Int32) in
            let socket = try LineSocket(port: port)
            let fd = socket.fd
            guard Self.write(fd, (0..<1_500).map(Self.hold).joined()) else { return ("", false, -1) }
            // The writer must be done before the socket closes: its descriptor could otherwise be reused (by a pipe
            // the runtime watches) while the writer still writes to it.
            let written = DispatchSemaphore(value: 0)
            let writer = Thread {
                defer { written.signal() }
                for start in stride(from: 1_500, to: Self.requests, by: 100) {
                    guard Self.write(fd, (start..<start + 100).map(Self.hold).joined()) else { return }
                    usleep(2_000)
                }
            }
            writer.start()
            // Read until 300 replies are in, then stop the server.
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while received.count(where: { $0 == UInt8(ascii: "\n") }) < 300 {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { break }
                received += buffer[0..<count]
            }
            let killed = kill(pid, SIGTERM)
            let (rest, reset) = socket.readToEnd()
            written.wait()
            return (String(decoding: received, as: UTF8.self) + rest, reset, killed)
        }
        #expect(killed == 0)
        #expect(!reset, "the connection was reset")
        #expect(text.hasSuffix("\n"), "the last reply is whole")
        let replies = text.split(separator: "\n").map(String.init)
        let applied = replies.prefix { $0.hasPrefix("OK ") }.count
        let refused = replies.dropFirst(applied)
        // (Whether any line was read and not executed when the drain began depends on timing: the refusal itself
        // is shown by ConnectionStateMachineTests.)
        #expect(applied >= 300, "\(applied) applied, \(refused.count) refused")
        #expect(
            refused.allSatisfy { $0 == "ERR UNAVAILABLE shutting down" },
            "after the first refusal only refusals: \(refused.first { $0 != "ERR UNAVAILABLE shutting down" } ?? "")")
        #expect(await server.server.exited(within: 10))
        print("drain: \(applied) applied, \(refused.count) refused, \(Self.requests - replies.count) without a reply")

        // The log agrees with every reply: a seat is held if its HOLD got OK, free if it got ERR, either if it got
        // no reply. (One MAP: the seats are one per request, in order, 100 a row.)
        let restarted = try await ProcessTests.Seatd(data: data)
        let map = try await ProcessTests().exchange(restarted.port, ["MAP s"])[0]
        let states = Array(map.split(separator: " ").dropFirst().flatMap { $0.split(separator: ":")[1] })
        #expect(states.count == Self.requests, "\(map.prefix(80))")
        let answered = replies.count
        for index in 0..<min(states.count, Self.requests) {
            let held = states[index] == "h"
            if index < applied, !held { Issue.record("request \(index) got \(replies[index]) but its seat is free") }
            if index >= applied, index < answered, held { Issue.record("request \(index) was refused, its seat held") }
        }
        // Every tenth applied HOLD, sent again with its key, answers as the first time did; every tenth one
        // without a reply is settled by its key (applied now, or before).
        let sample = Array(stride(from: 0, to: applied, by: 10))
        let again = try await ProcessTests().exchange(
            restarted.port, sample.map { String(Self.hold($0).dropLast()) })
        for (offset, index) in sample.enumerated() where again[offset] != replies[index] {
            Issue.record("HOLD \(index) sent again: \(again[offset]), first \(replies[index])")
            break
        }
        let unanswered = Array(stride(from: answered, to: Self.requests, by: 10))
        let settled = try await ProcessTests().exchange(
            restarted.port, unanswered.map { String(Self.hold($0).dropLast()) })
        for (offset, index) in unanswered.enumerated() where !settled[offset].hasPrefix("OK ") {
            Issue.record("request \(index) sent again: \(settled[offset])")
            break
        }
        #expect(restarted.kill(SIGTERM) == 0)
    }
}
