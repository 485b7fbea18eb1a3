import NIOCore
import NIOPosix

/// A client of seatd's line protocol (`docs/protocol.md`): one typed method per command, over a small pool of
/// connections that each pipeline their requests (many in flight, replies matched in order). Safe to share: any
/// number of tasks may call it at once.
///
/// Failures are `SeatdError`s: one case per error code, and `connectionLost`, `notConnected`, `timeout`,
/// `protocolViolation`. A change (HOLD, ADD, SELL, EXTEND, CONFIRM, RELEASE, CANCEL) that carries a key is retried
/// after an ambiguous failure, and the server answers the retry as it answered the first attempt; without a key
/// the failure is thrown, since the change may or may not have been carried out. Reads are retried freely.
public final class SeatdClient: Sendable {
    /// Where seatd is and how the client talks to it.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Sent as `AUTH <token>` first on every new connection.
        public var token: String?
        /// Connections in the pool; requests are spread over them in turn.
        public var connections: Int
        /// How long a request may wait for its reply; past it the connection closes (rule 3 of `docs/clients.md`).
        public var requestTimeout: Duration
        public var connectTimeout: Duration
        /// How often a request is sent again after a failure that allows it (not written; or ambiguous and keyed).
        public var retries: Int
        /// Pause before the first retry, doubled for each further one.
        public var retryBackoff: Duration
        /// Give every change without a key a generated one, so every change is retried safely.
        public var generateKeys: Bool
        /// How long a WATCH keeps trying to reconnect after its connection dropped before it throws.
        public var watchReconnectTimeout: Duration
        public var eventLoopGroup: any EventLoopGroup

        public init(
            host: String = "127.0.0.1", port: Int = 7070, token: String? = nil, connections: Int = 4,
            requestTimeout: Duration = .seconds(5), connectTimeout: Duration = .seconds(5), retries: Int = 3,
            retryBackoff: Duration = .milliseconds(50), generateKeys: Bool = false,
            watchReconnectTimeout: Duration = .seconds(30),
            eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
        ) {
            self.host = host
            self.port = port
            self.token = token
            self.connections = connections
            self.requestTimeout = requestTimeout
            self.connectTimeout = connectTimeout
            self.retries = retries
            self.retryBackoff = retryBackoff
            self.generateKeys = generateKeys
            self.watchReconnectTimeout = watchReconnectTimeout
            self.eventLoopGroup = eventLoopGroup
        }
    }

    public let configuration: Configuration
    let pool: ConnectionPool

    /// A client; connections open on first use.
    public init(_ configuration: Configuration) {
        self.configuration = configuration
        self.pool = ConnectionPool(configuration: configuration)
    }

    /// A client of `host:port` with the default configuration otherwise.
    public convenience init(host: String = "127.0.0.1", port: Int = 7070, token: String? = nil) {
        self.init(Configuration(host: host, port: port, token: token))
    }

    /// Closes every connection. Requests waiting for replies fail with `connectionLost`, later ones with `closed`.
    public func close() { self.pool.close() }

    /// Sends one request line as it is (without its LF) and returns the reply line, `ERR` included. Not retried
    /// after an ambiguous failure. For tools; WATCH and QUIT belong on connections of their own.
    public func send(line: String) async throws(SeatdError) -> String {
        try await self.execute(line, retryable: false)
    }

    /// Sends `line` and returns its reply line. A request that was never written is sent again (up to `retries`
    /// times); one that was written and got no reply is sent again only when `retryable`.
    func execute(_ line: String, retryable: Bool) async throws(SeatdError) -> String {
        var attempt = 0
        while true {
            do {
                let connection = try await self.pool.connection()
                return try await connection.request(line, timeout: self.configuration.requestTimeout)
            } catch {
                guard attempt < self.configuration.retries, Self.mayRetry(error, retryable: retryable) else {
                    throw error
                }
                if attempt > 0 || error == .timeout {
                    try? await Task.sleep(for: self.configuration.retryBackoff * (1 << min(attempt, 10)))
                }
                attempt += 1
            }
        }
    }

    private static func mayRetry(_ error: SeatdError, retryable: Bool) -> Bool {
        switch error {
        case .notConnected: true
        case .connectionLost, .timeout: retryable
        default: false
        }
    }
}
