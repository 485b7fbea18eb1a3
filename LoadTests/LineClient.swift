import NIOCore
import NIOExtras
import NIOPosix

/// A plain request/reply connection to seatd, for setting up and checking a run (not for the load itself).
final class LineClient {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    /// The inbound stream allows one iterator for its life.
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator

    init(channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        self.channel = channel
        self.iterator = channel.inbound.makeAsyncIterator()
    }

    static func connect(_ target: Target, group: any EventLoopGroup) async throws -> LineClient {
        let channel = try await ClientBootstrap(group: group)
            .connect(host: target.host, port: target.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(LineBasedFrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return LineClient(channel: channel)
    }

    /// Sends each request, then reads one reply per request, in order.
    func send(_ requests: [String]) async throws -> [String] {
        try await self.channel.outbound.write(ByteBuffer(string: requests.map { $0 + "\n" }.joined()))
        var replies: [String] = []
        while replies.count < requests.count {
            guard var line = try await self.iterator.next() else {
                throw LoadError("the server closed the connection after \(replies.count) of \(requests.count) replies")
            }
            replies.append(line.readString(length: line.readableBytes) ?? "")
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
        try? await self.channel.channel.close()
    }
}
