import NIOCore
import SeatdTestSupport
import Store
import Testing

@testable import SeatActors
@testable import Server

/// Goal: the in-process request path (`RequestPath`, what the path benchmark and `seat-load path` drive) answers as
/// the server does and logs for real: every change it answers is in the log once `settle()` returns, on either kind
/// of turns. Method: a read of lines through it, its replies checked, then the data directory reopened and its
/// recovered state compared.
struct RequestPathTests {
    @Test(arguments: [RequestPath.Turns.eventLoop, .callingThread])
    func answersLikeTheServerAndItsChangesAreDurable(turns: RequestPath.Turns) async throws {
        try await withTemporaryDirectory("request-path") { data in
            let path = try RequestPath(data: data, fsync: .always, turns: turns)
            let run: @Sendable (String) async throws -> [String] = { lines in
                let input = ByteBuffer(string: lines)
                let output: ByteBuffer
                switch turns {
                case .eventLoop:
                    output = try await path.loop.submit { () -> ByteBuffer in
                        path.run(input)
                        return path.output
                    }.get()
                case .callingThread:
                    path.run(input)
                    output = path.output
                }
                return String(buffer: output).split(separator: "\n").map(String.init)
            }
            #expect(try await run("CREATE HALL h A=4\nCREATE SESSION s h\n") == ["OK h 4", "OK s 4"])
            let held = try await run("HOLD s c A1 A2\nHOLD s d A2\nPING\nSTATS\n")
            #expect(held.count == 4)
            #expect(held[0].hasPrefix("OK ") && held[0].hasSuffix(" A1 A2"), "\(held[0])")
            #expect(held[1].hasPrefix("ERR TAKEN"), "\(held[1])")
            #expect(held[2] == "OK PONG")
            #expect(held[3].hasPrefix("ERR BAD_REQUEST"), "STATS waits for other work: not on the path")
            let hold = held[0].split(separator: " ")[1]
            #expect(try await run("RELEASE s \(hold)\nHOLD s e A3\n").map { $0.prefix(3) } == ["OK ", "OK "])
            try await path.settle()
            path.close()

            let reopened = try LogService(data: data)
            defer { reopened.close() }
            let state = try #require(reopened.opened.recovered.state.sessions.values.first)
            #expect(state.holds.count == 1, "A1 A2 released, A3 held")
            #expect(state.history.map(\.kind) == [.held, .released, .held])
        }
    }
}
