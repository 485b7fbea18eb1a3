import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import ServiceLifecycle

/// Serves `GET /metrics` (Prometheus text format) on its own port; anything else is 404. One request per
/// connection is enough for a scraper, so every response closes its connection.
final class MetricsServer: Service, Sendable {
    let host: String
    let port: Int
    let registry: PrometheusCollectorRegistry
    /// Runs before each scrape (refreshes the gauges read from the state).
    let refresh: @Sendable () async -> Void
    let logger: Logger
    let onBound: @Sendable (Int) -> Void

    init(
        host: String, port: Int, registry: PrometheusCollectorRegistry, logger: Logger,
        refresh: @escaping @Sendable () async -> Void, onBound: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.registry = registry
        self.logger = logger
        self.refresh = refresh
        self.onBound = onBound
    }

    typealias Inbound = HTTPServerRequestPart
    typealias Outbound = HTTPServerResponsePart

    func run() async throws {
        let channel = try await SeatServer.listening(on: "\(self.host):\(self.port)", for: "metrics") {
            try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: self.host, port: self.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        return try NIOAsyncChannel<Inbound, Outbound>(wrappingChannelSynchronously: channel)
                    }
                }
        }
        let port = channel.channel.localAddress?.port ?? self.port
        self.logger.info("metrics listening", metadata: ["host": "\(self.host)", "port": "\(port)"])
        self.onBound(port)
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await channel.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { try? await self.serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: {
            channel.channel.close(promise: nil)
        }
    }

    private func serve(_ connection: NIOAsyncChannel<Inbound, Outbound>) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead? = nil
            for try await part in inbound {
                switch part {
                case .head(let value): head = value
                case .body: continue
                case .end:
                    guard let request = head else { return }
                    let found = request.method == .GET && request.uri.split(separator: "?").first == "/metrics"
                    var body = ByteBuffer()
                    if found {
                        await self.refresh()
                        body.writeBytes(self.registry.emitToBuffer())
                    } else {
                        body.writeString("not found: GET /metrics\n")
                    }
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: found ? "text/plain; version=0.0.4" : "text/plain")
                    headers.add(name: "Content-Length", value: "\(body.readableBytes)")
                    headers.add(name: "Connection", value: "close")
                    let status: HTTPResponseStatus = found ? .ok : .notFound
                    try await outbound.write(
                        .head(HTTPResponseHead(version: request.version, status: status, headers: headers)))
                    try await outbound.write(.body(.byteBuffer(body)))
                    try await outbound.write(.end(nil))
                    return
                }
            }
        }
    }
}
