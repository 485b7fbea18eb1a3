import Foundation
import SeatdClient
import SeatdTestSupport

/// A real seatd (the built binary, `SeatdProcess`) on a temporary data directory, and a `SeatdClient` of it.
final class ClientFixture: Sendable {
    let data: String
    let environment: [String: String]
    let server: Shared<SeatdProcess>
    let port: Int

    init(_ name: String, environment: [String: String] = [:], port: Int? = nil) async throws {
        self.data = TemporaryDirectory.path(name)
        self.environment = environment
        let process = try SeatdProcess(
            binary: SeatdProcess.defaultBinary, data: self.data, environment: environment,
            arguments: port.map { ["--port", "\($0)"] } ?? [])
        self.port = try await process.port()
        self.server = Shared(process)
    }

    /// A client of this server.
    func client(
        token: String? = nil, connections: Int = 2, port: Int? = nil, timeout: Duration = .seconds(30)
    ) -> SeatdClient {
        SeatdClient(
            SeatdClient.Configuration(
                port: port ?? self.port, token: token, connections: connections, requestTimeout: timeout))
    }

    /// `kill -9`, then the server again on the same data directory and port.
    func restartAfterKill() async throws {
        self.server.withLock { _ = $0.kill(SIGKILL) }
        let process = try SeatdProcess(
            binary: SeatdProcess.defaultBinary, data: self.data, environment: self.environment,
            arguments: ["--port", "\(self.port)"])
        let port = try await process.port()
        precondition(port == self.port, "seatd came back on another port")
        self.server.withLock { $0 = process }
    }

    /// Stops the server and removes its data.
    func stop() {
        self.server.withLock { _ = $0.kill(SIGKILL) }
        try? FileManager.default.removeItem(atPath: self.data)
    }

    /// A hall `h` of rows A-B x 6 seats and a 10-place pit, and a session `s` of it.
    func venue(_ client: SeatdClient, session: String = "s") async throws {
        _ = try await client.createHall("h", parts: ["A=6", "B=1-3,5-7", "ga:pit=10", "cat:vip=A1-A3"])
        _ = try await client.createSession(session, hall: "h", options: SessionOptions(ttlSeconds: 600))
    }
}
