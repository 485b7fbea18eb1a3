import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Prometheus
import SeatActors
import Synchronization

/// Hummingbird's request and response (the line protocol has its own `Request` and `Response`).
typealias WebRequest = HummingbirdCore.Request
typealias WebResponse = HummingbirdCore.Response

/// The request context of the HTTP port: Hummingbird's, and the connection's channel (an event stream that falls
/// behind is cut by closing it).
struct HTTPContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// The HTTP port (`docs/http.md`), on Hummingbird: the live seat-map page and what it loads (`/api`, the event
/// streams), `/health`, `/ready` and `/metrics`. Read-only: nothing here changes a seat. It opens before recovery
/// (`HTTPState`), so `/health` answers and `/ready` says `recovering` while the log is read.
final class HTTPPort: Sendable {
    let settings: HTTPSettings
    let state: HTTPState
    let registry: PrometheusCollectorRegistry
    /// Refreshes the gauges read from the state, before each scrape.
    let refresh: @Sendable (HTTPState.Backend) async -> Void
    /// The event streams open now (at most `settings.maxStreams`).
    let streams = Atomic<Int>(0)
    let logger: Logger

    init(
        settings: HTTPSettings, state: HTTPState, registry: PrometheusCollectorRegistry,
        refresh: @escaping @Sendable (HTTPState.Backend) async -> Void, logger: Logger
    ) {
        self.settings = settings
        self.state = state
        self.registry = registry
        self.refresh = refresh
        self.logger = logger
    }

    /// Events one stream holds before it is cut off for falling behind.
    static let streamBufferMax = 16_384

    /// Runs the port until cancelled; `onBound` gets the port it listens on.
    static func run(
        _ port: HTTPPort, tls: TLSSettings?, onBound: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        let router = Router(context: HTTPContext.self)
        port.addRoutes(to: router)
        var server = HTTPServerBuilder.http1(
            configuration: HTTP1Channel.Configuration(
                additionalChannelHandlers: [ClientGoneTap()],
                idleTimeout: .seconds(HTTPSettings.idleTimeoutSeconds)))
        if port.settings.tls, let tls {
            server = try .tls(server, tlsConfiguration: try TLSContextStore.serverConfiguration(tls))
        }
        let logger = port.logger
        let settings = port.settings
        let app = Application(
            router: router, server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(settings.host, port: settings.port), serverName: nil,
                reuseAddress: true,
                availableConnectionsDelegate: MaximumAvailableConnections(settings.maxConnections)),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? settings.port
                logger.info(
                    "http listening",
                    metadata: [
                        "host": "\(settings.host)", "port": "\(bound)", "tls": "\(settings.tls)",
                    ])
                onBound(bound)
            },
            eventLoopGroupProvider: .singleton, logger: Logger(label: "seatd.http.requests"))
        try await app.run()
    }

    private func addRoutes(to router: Router<HTTPContext>) {
        router.get("/health") { _, _ in Self.text("ok\n") }
        router.get("/ready") { _, _ in
            guard let reason = self.state.notReadyReason else { return Self.text("ready\n") }
            return Self.text("\(reason)\n", status: .serviceUnavailable)
        }
        router.get("/metrics") { request, _ in
            let backend = try self.backend()
            if self.settings.metricsAuth { try self.authorize(request, backend) }
            await self.refresh(backend)
            return WebResponse(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: self.registry.emitToBuffer())))
        }
        router.get("/") { _, _ in Self.page(PageAssets.index) }
        router.get("/assets/seatd.js") { _, _ in
            Self.text(PageAssets.script, type: "text/javascript; charset=utf-8")
        }
        router.get("/assets/seatd.css") { _, _ in Self.text(PageAssets.style, type: "text/css; charset=utf-8") }
        router.get("/sessions/:id") { _, context in
            _ = try self.session(context, try self.backend())
            return Self.page(PageAssets.session)
        }
        router.get("/api/sessions") { request, _ in
            let backend = try self.backend()
            try self.authorize(request, backend)
            return Self.json(try await Self.index(backend))
        }
        router.get("/api/sessions/:id") { request, context in
            let backend = try self.backend()
            try self.authorize(request, backend)
            let session = try self.session(context, backend)
            let answer = await session.current()
            guard case .success(let state) = answer.result else { throw HTTPError(.notFound) }
            // The map shows nothing a crash could take back.
            do { try await backend.service.durable(answer.token) } catch {
                throw HTTPError(.serviceUnavailable, message: "\(error)")
            }
            return Self.json(SeatMapJSON.session(session.id, state))
        }
        router.get("/sessions/:id/events") { request, context in
            let backend = try self.backend()
            try self.authorize(request, backend)
            let session = try self.session(context, backend)
            let from = try Self.start(request)
            guard self.streams.add(1, ordering: .relaxed).newValue <= self.settings.maxStreams else {
                self.streams.subtract(1, ordering: .relaxed)
                throw HTTPError(.serviceUnavailable, message: "too many event streams (http.max_streams)")
            }
            let stream = EventStream(
                backend: backend, session: session.id, from: from, channel: context.channel,
                bufferMax: Self.streamBufferMax)
            return WebResponse(
                status: .ok,
                headers: [
                    .contentType: "text/event-stream", .cacheControl: "no-cache",
                    HTTPField.Name("X-Accel-Buffering")!: "no",
                ],
                body: stream.body { self.streams.subtract(1, ordering: .relaxed) })
        }
    }

    // MARK: Checks

    private func backend() throws -> HTTPState.Backend {
        guard let backend = self.state.backend else {
            throw HTTPError(.serviceUnavailable, message: self.state.notReadyReason ?? "not serving")
        }
        return backend
    }

    /// With auth on, the request must carry `Authorization: Bearer <token>` of any role (reader or above).
    private func authorize(_ request: WebRequest, _ backend: HTTPState.Backend) throws {
        guard !backend.dispatcher.tokens.isEmpty else { return }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            backend.dispatcher.role(of: String(header.dropFirst(7))) != nil
        else {
            throw HTTPError(
                .unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"seatd\""],
                message: "a token is required: Authorization: Bearer <token>")
        }
    }

    /// The session the path names: 400 for a malformed id, 404 for an unknown one.
    private func session(_ context: HTTPContext, _ backend: HTTPState.Backend) throws -> Session {
        let id = try context.parameters.require("id")
        guard Identifier.isValid(id) else { throw HTTPError(.badRequest, message: "not a session id: \(id)") }
        guard let session = backend.service.registry.session(id) else {
            throw HTTPError(.notFound, message: "no session \(id)")
        }
        return session
    }

    /// Where an event stream starts: after `Last-Event-ID` (the last event the client saw), else at `?from=`
    /// (inclusive, as `WATCH from=`), else with the next change.
    static func start(_ request: WebRequest) throws -> LSN? {
        if let last = request.headers[HTTPField.Name("Last-Event-ID")!] {
            guard let seq = LSN(last.filter { $0 != " " }), seq < LSN.max else {
                throw HTTPError(.badRequest, message: "Last-Event-ID must be an event's seq")
            }
            return seq + 1
        }
        guard let text = request.uri.queryParameters.get("from") else { return nil }
        guard let from = LSN(text) else { throw HTTPError(.badRequest, message: "from must be a seq (0 or more)") }
        return from
    }

    // MARK: Responses

    /// Every hall and session, with the sessions' counts, shown once what they count is durable (as
    /// `/api/sessions/<id>` is): one wait for the newest change they reflect, not one per session.
    private static func index(_ backend: HTTPState.Backend) async throws -> String {
        let registry = backend.service.registry
        var sessions: [(id: String, hall: String, counts: SeatCounts)] = []
        /// The newest token of each log generation the counts reflect: durable, it covers the others.
        var newest: [Int: CommitToken] = [:]
        for session in registry.sessions.sorted(by: { $0.id < $1.id }) {
            let answer = await session.counts()
            guard case .success(let counts) = answer.result else { continue }
            if answer.token.lsn > newest[answer.token.epoch]?.lsn ?? 0 { newest[answer.token.epoch] = answer.token }
            sessions.append((session.id, session.hall.id, counts))
        }
        for token in newest.values {
            do { try await backend.service.durable(token) } catch {
                throw HTTPError(.serviceUnavailable, message: "\(error)")
            }
        }
        return SeatMapJSON.index(halls: registry.halls.sorted { $0.id < $1.id }, sessions: sessions)
    }

    static func text(
        _ body: String, status: HTTPResponse.Status = .ok, type: String = "text/plain; charset=utf-8"
    ) -> WebResponse {
        WebResponse(
            status: status, headers: [.contentType: type],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func page(_ html: String) -> WebResponse { Self.text(html, type: "text/html; charset=utf-8") }

    static func json(_ json: String) -> WebResponse { Self.text(json, type: "application/json") }
}
