import NIOCore
import NIOExtras
import NIOPosix
import SeatActors
import Synchronization

/// Network settings with their defaults (`docs/protocol.md`, `config/seatd.conf`).
struct ServerSettings: Sendable {
    var host = "127.0.0.1"
    var port = 7070
    /// Bytes in one request line, excluding LF; longer lines get `ERR LINE_TOO_LONG` and the connection closes.
    var lineBytesMax = 4_096
    /// Open connections; one more gets `ERR BUSY` and is closed.
    var connectionsMax = 10_000
    /// Replies queued per connection before the server stops reading it (backpressure).
    var pipelineDepthMax = 1_024
    /// Events buffered for one WATCH connection before it is cut off with `ERR BUSY`.
    var watchEventsMax = Limits.eventsBufferedPerSubscriberMax
}

/// The line-protocol server: one task per connection (a discarding task group, as swift-nio's echo server does).
final class SeatServer: Sendable {
    let settings: ServerSettings
    let dispatcher: Dispatcher

    init(settings: ServerSettings, dispatcher: Dispatcher) {
        self.settings = settings
        self.dispatcher = dispatcher
    }

    /// Binds and serves until the task is cancelled; `onBound` gets the port actually bound (for port 0).
    func run(onBound: @Sendable (Int) -> Void = { _ in }) async throws {
        let lineBytesMax = self.settings.lineBytesMax
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1_024)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: self.settings.host, port: self.settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(LineBasedFrameDecoder(), maximumBufferSize: lineBytesMax + 2))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        onBound(channel.channel.localAddress?.port ?? self.settings.port)
        try await withThrowingDiscardingTaskGroup { group in
            try await channel.executeThenClose { inbound in
                for try await connection in inbound {
                    group.addTask { await Connection(server: self).run(connection) }
                }
            }
        }
    }
}
