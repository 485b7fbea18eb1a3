import NIOCore
import NIOExtras
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Where `seatd cli` connects, and the token it sends first.
struct CLITarget: Sendable {
    var host: String
    var port: Int
    var token: String?

    /// One event-loop thread is plenty for one connection at a time; shared by the reconnects of `--watch`.
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
}

/// One connection of `seatd cli` to seatd: connects, sends AUTH when there is a token, then asks requests one at a
/// time or pipes batches through its `CLIHandler`. Blocking (`.wait()`): the cli runs on a thread of its own, never
/// on an event loop.
final class CLIConnection: Sendable {
    let channel: any Channel
    private let handler: CLIHandler

    /// Seconds to wait for a connection: a server that does not answer by then is down.
    static let connectTimeoutSeconds: Int64 = 10

    private init(channel: any Channel, handler: CLIHandler) {
        self.channel = channel
        self.handler = handler
    }

    /// Connects and authenticates. `unsolicited` gets every line no request waits for (by default it is reported on
    /// standard error); `piped` gets the `--pipe` replies.
    static func open(
        _ target: CLITarget,
        unsolicited: @escaping @Sendable (String) -> Void = { CLIStatus.warn("the server sent: \($0)") },
        piped: @escaping @Sendable (String?) -> Void = { _ in }
    ) throws(CLIFailure) -> CLIConnection {
        let handler = CLIHandler(unsolicited: unsolicited, piped: piped)
        let bootstrap = ClientBootstrap(group: CLITarget.group)
            .connectTimeout(.seconds(Self.connectTimeoutSeconds))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(LineBasedFrameDecoder()), handler)
                }
            }
        let channel: any Channel
        do {
            channel = try bootstrap.connect(host: target.host, port: target.port).wait()
        } catch {
            throw .cannotConnect("\(target.host):\(target.port): \(Self.reason(error))")
        }
        let connection = CLIConnection(channel: channel, handler: handler)
        if let token = target.token {
            let reply = try connection.ask("AUTH \(token)")
            guard reply.hasPrefix("OK") else {
                connection.close()
                throw .authRefused(reply)
            }
        }
        return connection
    }

    /// Sends one request and waits for its reply line.
    func ask(_ request: String) throws(CLIFailure) -> String {
        let handler = self.handler
        let promise = self.channel.eventLoop.makePromise(of: String.self)
        self.channel.eventLoop.execute { handler.ask(request, promise: promise) }
        do { return try promise.futureResult.wait() } catch { throw .lost }
    }

    /// Sends `count` requests framed in `batch`; their replies go to the `piped` callback given to `open`.
    func pipe(_ batch: ByteBuffer, count: Int) {
        let handler = self.handler
        self.channel.eventLoop.execute { handler.pipe(batch, count: count) }
    }

    /// Waits until the connection ends (the server closed it, or `close()`).
    func waitUntilClosed() {
        try? self.channel.closeFuture.wait()
    }

    func close() {
        self.channel.close(promise: nil)
    }

    /// A connect error in a few words (`Connection refused`), not NIO's whole structure.
    static func reason(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return Self.reason(first.error)
        }
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        if case ChannelError.connectTimeout = error { return "timed out" }
        return "\(error)"
    }
}
