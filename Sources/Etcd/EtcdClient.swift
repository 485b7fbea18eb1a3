import AsyncHTTPClient
import Logging
import NIOCore
import Synchronization

/// A client of etcd's v3 JSON gateway (`POST /v3/...`) over async-http-client, for leases, keys, transactions and
/// watches; it knows nothing of seatd.
///
/// It is given several client URLs of one cluster. A call goes to the endpoint that answered last; when that one
/// does not answer (connection refused, the per-call timeout, or 503 from a member that lost its quorum), the
/// same call goes to each other endpoint once, and the one that answers is remembered. A call that timed out may
/// still have been carried out by etcd, so a retried put or transaction can find its own earlier write.
///
/// Keys and values are bytes (`[UInt8]`); etcd orders keys bytewise.
public final class EtcdClient: Sendable {
    /// The client URLs, in the order given, without a trailing slash (`http://127.0.0.1:2379`).
    public let endpoints: [String]
    /// How long one call may take at one endpoint, from sending the request to the last byte of the reply (for a
    /// watch: to the reply's head).
    public let timeout: Duration
    let httpClient: HTTPClient
    let logger: Logger
    private let ownsHTTPClient: Bool
    private let preferred = Mutex(0)

    /// A client with an HTTP client of its own, set up for failing over fast: connections are not retried within
    /// a call, and a connection attempt may take at most `timeout`. Call `shutdown()` when done (releasing the
    /// client also shuts it down, but without waiting).
    public convenience init(
        endpoints: [String], timeout: Duration = .seconds(2), logger: Logger = Logger(label: "etcd")
    ) {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: TimeAmount(timeout), read: nil)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        let httpClient = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration,
            backgroundActivityLogger: logger)
        self.init(endpoints: endpoints, httpClient: httpClient, owns: true, timeout: timeout, logger: logger)
    }

    /// A client on a caller's HTTP client, which the caller shuts down. With async-http-client's default
    /// configuration a refused connection is retried until the call's timeout, so failing over to the next
    /// endpoint takes that long; set `connectionPool.retryConnectionEstablishment` to false to fail over at once.
    public convenience init(
        endpoints: [String], httpClient: HTTPClient, timeout: Duration = .seconds(2),
        logger: Logger = Logger(label: "etcd")
    ) {
        self.init(endpoints: endpoints, httpClient: httpClient, owns: false, timeout: timeout, logger: logger)
    }

    private init(endpoints: [String], httpClient: HTTPClient, owns: Bool, timeout: Duration, logger: Logger) {
        precondition(!endpoints.isEmpty, "an etcd client needs at least one endpoint")
        self.endpoints = endpoints.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.httpClient = httpClient
        self.ownsHTTPClient = owns
        self.timeout = timeout
        self.logger = logger
    }

    /// Shuts an HTTP client this client made down, in the background, if `shutdown()` was not called
    /// (async-http-client stops a debug build when a client it did not shut down is released).
    deinit {
        guard self.ownsHTTPClient else { return }
        self.httpClient.shutdown { _ in }
    }

    /// The endpoint the next call goes to first: the one that answered last.
    public var currentEndpoint: String {
        self.endpoints[self.preferred.withLock { $0 }]
    }

    /// Shuts the HTTP client down if this client made it; a no-op for a caller's HTTP client.
    public func shutdown() async throws {
        guard self.ownsHTTPClient else { return }
        try await self.httpClient.shutdown()
    }

    /// Remembers the endpoint at `index` as the one to try first.
    func prefer(_ index: Int) {
        self.preferred.withLock { $0 = index }
    }

    /// The endpoint indices in the order to try them: the preferred one, then the others in turn.
    func attemptOrder() -> [Int] {
        let first = self.preferred.withLock { $0 }
        return self.endpoints.indices.map { (first + $0) % self.endpoints.count }
    }
}
