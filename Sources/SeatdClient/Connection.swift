import NIOCore
import NIOPosix
import Synchronization

/// One TCP connection to seatd: requests written from any task, replies matched in order by its
/// `ConnectionHandler`. Opened by `Connection.open`, which sends AUTH first when a token is given.
final class Connection: Sendable {
    let channel: any Channel
    private let handler: NIOLoopBound<ConnectionHandler>
    private let open = Atomic<Bool>(true)

    private init(channel: any Channel, handler: NIOLoopBound<ConnectionHandler>) {
        self.channel = channel
        self.handler = handler
    }

    /// False once the connection has closed; a closed connection is replaced, never reused.
    var isOpen: Bool { self.open.load(ordering: .relaxed) }

    /// Connects to `host:port` and, with a token, authenticates (an `ERR` to AUTH is thrown as its error).
    static func open(
        host: String, port: Int, token: String?, group: any EventLoopGroup, timeout: Duration
    ) async throws(SeatdError) -> Connection {
        let connection: Connection
        do {
            // An IP literal needs no resolver; a name is resolved here (getaddrinfo).
            let address =
                try (try? SocketAddress(ipAddress: host, port: port))
                ?? SocketAddress.makeAddressResolvingHost(host, port: port)
            connection = try await ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(.init(timeout))
                .connect(to: address) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = ConnectionHandler()
                        try channel.pipeline.syncOperations.addHandler(handler)
                        return Connection(
                            channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
                    }
                }
        } catch {
            throw .notConnected("cannot connect to \(host):\(port): \(error)")
        }
        connection.watchClose()
        if let token {
            do {
                _ = try ReplyParser.fields(try await connection.request("AUTH \(token)", timeout: timeout))
            } catch {
                connection.close()
                throw error
            }
        }
        return connection
    }

    private func watchClose() {
        self.channel.closeFuture.whenComplete { _ in self.open.store(false, ordering: .relaxed) }
    }

    /// Sends one request line (without its LF) and returns its reply line, `ERR` replies included.
    /// Throws `notConnected` if it could not be written, `connectionLost` or `timeout` if it was written and no
    /// reply came.
    func request(_ line: String, timeout: Duration, startsStream: Bool = false) async throws(SeatdError) -> String {
        let loop = self.channel.eventLoop
        let deadline = NIODeadline.now() + .init(timeout)
        let handler = self.handler
        do {
            return try await withUnsafeThrowingContinuation { continuation in
                if loop.inEventLoop {
                    handler.value.submit(
                        line, continuation: continuation, deadline: deadline, startsStream: startsStream)
                } else {
                    loop.execute {
                        handler.value.submit(
                            line, continuation: continuation, deadline: deadline, startsStream: startsStream)
                    }
                }
            }
        } catch let error as SeatdError {
            throw error
        } catch {
            throw .connectionLost("\(error)")
        }
    }

    /// Sends WATCH and, on `OK`, streams every later line to `lines` (finished when the connection ends).
    func stream(
        _ line: String, timeout: Duration, into lines: AsyncThrowingStream<String, any Error>.Continuation
    )
        async throws(SeatdError) -> String
    {
        let handler = self.handler
        try? await self.channel.eventLoop.submit {
            handler.value.onStreamLine = { lines.yield($0) }
            handler.value.onClose = { lines.finish(throwing: $0) }
        }.get()
        return try await self.request(line, timeout: timeout, startsStream: true)
    }

    /// Closes the connection; waiting requests fail as lost.
    func close() {
        self.open.store(false, ordering: .relaxed)
        let handler = self.handler
        self.channel.eventLoop.execute { handler.value.close(.connectionLost("closed by the client")) }
    }
}
