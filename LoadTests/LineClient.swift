import NIOCore
import NIOExtras
import NIOPosix

/// A plain request/reply connection to a target, for setting up and checking a run (not for the load itself).
/// Requests and replies are seatd lines whatever the target; for Redis it loads the script when it connects.
/// Unchecked Sendable: one task uses it at a time (a timeout may hand a request to a child task and wait).
final class LineClient: @unchecked Sendable {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    private(set) var wire: Wire = .seatd
    /// The inbound stream allows one iterator for its life.
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator

    init(channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        self.channel = channel
        self.iterator = channel.inbound.makeAsyncIterator()
    }

    static func connect(_ target: Target, group: any EventLoopGroup) async throws -> LineClient {
        // A generous connect timeout: on a loaded machine (the test suite, a crash loop beside a benchmark) an
        // answer can take seconds; a connection that is refused still fails at once.
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(60))
            .connect(to: try target.address()) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(LineBasedFrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let client = LineClient(channel: channel)
        // An open channel dropped on a throw traps in NIO ("Deinited NIOAsyncWriter without calling finish()"):
        // close it before giving up.
        do { if target.kind == .redis { try await client.loadScript() } } catch {
            await client.close()
            throw error
        }
        return client
    }

    /// SCRIPT LOAD of the shipped script; its SHA1 is what every later request names.
    private func loadScript() async throws {
        let script = try Wire.redisScript()
        var buffer = ByteBuffer(string: "*3\r\n$6\r\nSCRIPT\r\n$4\r\nLOAD\r\n$\(script.utf8.count)\r\n")
        buffer.writeString(script)
        buffer.writeString("\r\n")
        try await self.channel.outbound.write(buffer)
        let header = try await self.line()
        guard header.hasPrefix("$") else { throw LoadError("SCRIPT LOAD: \(header)") }
        self.wire = .redis(sha: try await self.line())
    }

    private func line() async throws -> String {
        guard var line = try await self.iterator.next() else { throw LoadError("the server closed the connection") }
        return line.readString(length: line.readableBytes) ?? ""
    }

    /// Sends each request, then reads one reply per request, in order.
    func send(_ requests: [String]) async throws -> [String] {
        var buffer = ByteBuffer()
        for request in requests { self.wire.encode(request + "\n", into: &buffer) }
        try await self.channel.outbound.write(buffer)
        var replies: [String] = []
        while replies.count < requests.count {
            guard var line = try await self.iterator.next() else {
                throw LoadError("the server closed the connection after \(replies.count) of \(requests.count) replies")
            }
            replies.append(String(self.wire.decode(Substring(line.readString(length: line.readableBytes) ?? ""))))
        }
        return replies
    }

    /// Sends one request and returns its reply, which must start with OK.
    @discardableResult
    func ok(_ request: String) async throws -> String {
        let reply = try await self.send([request])[0]
        guard reply.hasPrefix("OK") else { throw LoadError("\(request): \(reply)") }
        return reply
    }

    func close() async {
        self.channel.outbound.finish()
        try? await self.channel.channel.close()
    }
}
