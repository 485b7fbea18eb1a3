import NIOCore
import NIOExtras
import NIOPosix

/// A plain request/reply connection over the line protocol, for setting up and checking a test or a run (not for
/// the load itself). Requests and replies are seatd lines whatever the target; `wire` frames them (Redis after
/// `loadRedisScript`). Unchecked Sendable: one task uses it at a time (a timeout may hand a request to a child task
/// and wait).
public final class LineClient: @unchecked Sendable {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    public private(set) var wire: Wire = .seatd
    /// The inbound stream allows one iterator for its life.
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator

    /// The server closed the connection or answered something unexpected.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        public init(_ description: String) { self.description = description }
    }

    init(channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        self.channel = channel
        self.iterator = channel.inbound.makeAsyncIterator()
    }

    /// A connection to `address` that reads one frame per line (LF, CR dropped) and writes bytes as given; over TLS
    /// when `tls` is given.
    public static func openChannel(
        to address: SocketAddress, group: any EventLoopGroup, tls: ClientTLS? = nil
    ) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        // A generous connect timeout: on a loaded machine (the test suite, a crash loop beside a benchmark) an
        // answer can take seconds; a connection that is refused still fails at once.
        try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(60))
            .connect(to: address) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(try tls.handler()) }
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(LineBasedFrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// A client to the seatd (or other line server) at `address`.
    public static func connect(
        to address: SocketAddress, group: any EventLoopGroup, tls: ClientTLS? = nil
    ) async throws -> LineClient {
        LineClient(channel: try await Self.openChannel(to: address, group: group, tls: tls))
    }

    /// SCRIPT LOAD of `script` on a Redis target; its SHA1 is what every later request names.
    public func loadRedisScript(_ script: String) async throws {
        var buffer = ByteBuffer(string: "*3\r\n$6\r\nSCRIPT\r\n$4\r\nLOAD\r\n$\(script.utf8.count)\r\n")
        buffer.writeString(script)
        buffer.writeString("\r\n")
        try await self.channel.outbound.write(buffer)
        let header = try await self.line()
        guard header.hasPrefix("$") else { throw Failure("SCRIPT LOAD: \(header)") }
        self.wire = .redis(sha: try await self.line())
    }

    /// The next line the server sends (after a WATCH: its events).
    public func next() async throws -> String { try await self.line() }

    private func line() async throws -> String {
        guard var line = try await self.iterator.next() else { throw Failure("the server closed the connection") }
        return line.readString(length: line.readableBytes) ?? ""
    }

    /// Sends each request, then reads one reply per request, in order.
    public func send(_ requests: [String]) async throws -> [String] {
        var buffer = ByteBuffer()
        for request in requests { self.wire.encode(request + "\n", into: &buffer) }
        try await self.channel.outbound.write(buffer)
        var replies: [String] = []
        while replies.count < requests.count {
            guard var line = try await self.iterator.next() else {
                throw Failure("the server closed the connection after \(replies.count) of \(requests.count) replies")
            }
            replies.append(String(self.wire.decode(Substring(line.readString(length: line.readableBytes) ?? ""))))
        }
        return replies
    }

    /// Sends one request and returns its reply, which must start with OK.
    @discardableResult
    public func ok(_ request: String) async throws -> String {
        let reply = try await self.send([request])[0]
        guard reply.hasPrefix("OK") else { throw Failure("\(request): \(reply)") }
        return reply
    }

    /// A client dropped without `close()` (a test that threw) finishes its writer, as NIO requires.
    deinit { self.channel.outbound.finish() }

    public func close() async {
        self.channel.outbound.finish()
        try? await self.channel.channel.close()
    }
}
