import Logging
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL
import SeatActors
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Network settings and the limits on what a client controls, with their defaults (`docs/configuration.md`).
struct ServerSettings: Sendable {
    var host = "127.0.0.1"
    var port = 7070
    /// Bytes in one request line, excluding LF; longer lines get `ERR LINE_TOO_LONG` and the connection closes.
    var lineBytesMax = 4_096
    /// Seats one HOLD may take (at most the engine's `Limits.seatsPerHoldMax`); more is `ERR LIMIT`.
    var seatsPerHoldMax = 50
    /// Idempotency keys one session remembers (`limits.keys_per_session`); past it the oldest are forgotten.
    var keysPerSessionMax = Limits.keysPerSessionDefault
    /// Open connections; one more gets `ERR BUSY` and is closed.
    var connectionsMax = 4_096
    /// Requests read but not yet answered per connection; beyond it the server stops reading (backpressure).
    var pipelineDepthMax = 1_024
    /// Bytes of events queued for one WATCH connection before it gets `ERR BUSY` and is closed.
    var watchBufferBytes = 1 << 20
    /// Seconds a connection may stay silent both ways before it is closed; 0: never.
    var idleTimeoutSeconds = 0
    /// With auth on: milliseconds from the accept within which a connection must authenticate, or it gets `ERR
    /// NOAUTH` and is closed (`limits.auth_timeout_ms`; never extended).
    var authTimeoutMs = 5_000
    /// With auth on: connections not authenticated yet at most (`limits.unauthenticated`; nil: 10% of
    /// `connectionsMax`, at least 1). One more closes the oldest of them.
    var unauthenticatedMax: Int? = nil
    /// Connections from one address at most (`limits.connections_per_ip`; 0: no limit).
    var connectionsPerIP = 0
    /// The failed AUTH that closes its connection (`limits.auth_failures`).
    var authFailuresMax = 5

    /// The unauthenticated connections allowed.
    var strangersMax: Int { self.unauthenticatedMax ?? max(1, self.connectionsMax / 10) }
    /// SO_SNDBUF of each connection, nil for the kernel's default (which grows to megabytes). Not in the
    /// configuration: tests set it small so that a watcher that does not read backs up at once.
    var socketSendBufferBytes: Int? = nil
    /// Seconds a closing connection (QUIT, a line too long, a watcher cut off) waits for its last replies to be
    /// read before it is closed under the client. Not in the configuration: tests that hold a client's reads
    /// back on purpose on a loaded machine lengthen it.
    var closeGraceSeconds: Int64 = 5
    /// Milliseconds from SIGTERM (graceful shutdown) within which every connection sends what it owes and closes
    /// (`limits.drain_grace_ms`): the close grace is cut to what is left of it. The service group waits a second
    /// longer (`shutdownLimit`), and the snapshot at shutdown comes after the connections.
    var drainGraceMs = 3_000

    /// How long the service group waits for a graceful shutdown: the drain and a second.
    var shutdownLimit: Duration { .milliseconds(self.drainGraceMs + 1_000) }
    /// The TLS listener's settings and contexts (`tls.*`); nil: TLS off.
    var tls: TLSContextStore? = nil

    /// Events buffered per watcher: the byte budget over the longest event line (a hold of the most seats, each
    /// at most 7 characters and a space, after ~130 characters of type, ids and seq).
    var watchEventsMax: Int { max(16, self.watchBufferBytes / (136 + 8 * self.seatsPerHoldMax)) }
}

/// The line-protocol server: a `ConnectionHandler` per connection, on the event loops the sessions run on. A
/// service of the service group: on graceful shutdown it stops accepting, stops reading every connection, sends
/// the replies of what was already read, and returns once every connection has closed.
final class SeatServer: Service, Sendable {
    let settings: ServerSettings
    let dispatcher: Dispatcher
    let logger: Logger
    /// Called with the port actually bound (for port 0).
    let onBound: @Sendable (Int) -> Void
    /// The event loops of the listening socket and its connections.
    let group: any EventLoopGroup
    /// The session executors of those loops (nil when the sessions run elsewhere, as in some tests).
    let executors: LoopExecutors?
    /// Who may hold a connection: strangers' slots, per-address limits.
    let admission: Admission
    /// When connections must be closed by, once a graceful shutdown began.
    private let drainDeadline = Mutex<ContinuousClock.Instant?>(nil)
    /// True from the bind until the listening socket is closed (a graceful shutdown closes it first).
    private let listening = Atomic<Bool>(false)
    /// The open connections, and who waits for the last to close.
    private let open = Mutex<(channels: [ObjectIdentifier: any Channel], waiter: CheckedContinuation<Void, Never>?)>(
        ([:], nil))

    /// Sent through every connection's pipeline when the drain begins.
    struct Drain {}

    /// Sent to the oldest stranger when a new connection needs its slot.
    struct Evict {}

    init(
        settings: ServerSettings, dispatcher: Dispatcher, logger: Logger = Logger(label: "seatd.server"),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, executors: LoopExecutors? = nil,
        onBound: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.group = group
        self.executors = executors
        self.settings = settings
        self.dispatcher = dispatcher
        self.logger = logger
        self.onBound = onBound
        self.admission = Admission(settings: settings, authRequired: !dispatcher.tokens.isEmpty)
    }

    func run() async throws {
        let channel = try await self.bindListeners()
        let port = channel.localAddress?.port ?? self.settings.port
        self.logger.info("listening", metadata: ["host": "\(self.settings.host)", "port": "\(port)"])
        self.listening.store(true, ordering: .releasing)
        channel.closeFuture.whenComplete { _ in self.listening.store(false, ordering: .releasing) }
        self.onBound(port)
        await withGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onGracefulShutdown: {
            self.beginDrain()
            self.logger.info("stopped accepting connections")
            channel.close(promise: nil)
            let channels = self.open.withLock { Array($0.channels.values) }
            for connection in channels { connection.pipeline.fireUserInboundEventTriggered(Drain()) }
        }
        // Every connection answers what it read, then closes.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = self.open.withLock { open -> Bool in
                if open.channels.isEmpty { return true }
                open.waiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func track(_ channel: any Channel) {
        self.open.withLock { $0.channels[ObjectIdentifier(channel)] = channel }
        channel.closeFuture.whenComplete { _ in
            let waiter = self.open.withLock { open -> CheckedContinuation<Void, Never>? in
                open.channels[ObjectIdentifier(channel)] = nil
                guard open.channels.isEmpty else { return nil }
                defer { open.waiter = nil }
                return open.waiter
            }
            waiter?.resume()
        }
    }

    /// A bind failure, with the address and which listener it is (the socket error alone names neither).
    struct BindFailure: Error, CustomStringConvertible {
        let description: String
    }

    static func listening<Value>(
        on address: String, for listener: String, _ bind: () async throws -> Value
    )
        async throws -> Value
    {
        do { return try await bind() } catch let error as IOError {
            throw BindFailure(
                description:
                    "cannot listen on \(address) for \(listener): \(String(cString: strerror(error.errnoCode)))")
        }
    }

    /// Binds the line protocol on `port`, behind TLS with the store's current context when `tls` is given.
    func bind(port: Int, tls: TLSContextStore?) async throws -> any Channel {
        let lineBytesMax = self.settings.lineBytesMax
        let idle = self.settings.idleTimeoutSeconds
        let sendBuffer = self.settings.socketSendBufferBytes
        return try await ServerBootstrap(group: self.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1_024)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    self.track(channel)
                    if let sendBuffer {
                        try channel.syncOptions?.setOption(
                            .socketOption(.so_sndbuf), value: SocketOptionValue(sendBuffer))
                    }
                    if idle > 0 {
                        try channel.pipeline.syncOperations.addHandlers(
                            IdleStateHandler(allTimeout: .seconds(Int64(idle))), IdleCloser())
                    }
                    var logger = self.logger
                    logger[metadataKey: "connection"] = "\(channel.remoteAddress?.description ?? "?")"
                    if let tls {
                        try channel.pipeline.syncOperations.addHandlers(
                            NIOSSLServerHandler(context: tls.server), TLSConnectionTap(store: tls, logger: logger))
                    }
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(LineBatchDecoder(), maximumBufferSize: lineBytesMax + 2),
                        ConnectionHandler(server: self, logger: logger))
                }
            }
            .bind(host: self.settings.host, port: port).get()
    }

    /// Starts the shutdown drain (the first call sets its deadline; connections call it too, as their shutdown
    /// handlers may run first).
    func beginDrain() {
        self.drainDeadline.withLock { deadline in
            if deadline == nil { deadline = .now + .milliseconds(self.settings.drainGraceMs) }
        }
    }

    /// How long a connection may still wait for a client to read its last replies: the close grace, or while
    /// shutting down what is left of the drain.
    var closeGrace: TimeAmount {
        guard let deadline = self.drainDeadline.withLock({ $0 }) else {
            return .seconds(self.settings.closeGraceSeconds)
        }
        let left = ContinuousClock.now.duration(to: deadline)
        let nanoseconds = left.components.seconds * 1_000_000_000 + left.components.attoseconds / 1_000_000_000
        return .nanoseconds(max(0, min(nanoseconds, self.settings.closeGraceSeconds * 1_000_000_000)))
    }

    /// True while the server accepts connections.
    var isListening: Bool { self.listening.load(ordering: .acquiring) }

    /// True once a graceful shutdown began.
    var isDraining: Bool { self.drainDeadline.withLock { $0 != nil } }
}

/// Closes a connection that was silent both ways for the idle timeout.
private final class IdleCloser: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is IdleStateHandler.IdleStateEvent else { return context.fireUserInboundEventTriggered(event) }
        context.close(promise: nil)
    }
}
