import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// The channel glue of a `seatd cli` connection: each NIO callback asks `CLIStateMachine` what to do and does it.
/// A request's reply goes to its promise (one-shot, prompt, AUTH, WATCH) or to `piped` (`--pipe`, where a promise
/// per line would only be overhead); a line with no request in flight goes to `unsolicited`.
///
/// Unchecked Sendable: it is built on the caller's thread and then touched only on its channel's event loop
/// (`CLIConnection` hops there for every call).
final class CLIHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    /// Where a reply goes.
    enum Waiter {
        case promise(EventLoopPromise<String>)
        case piped
    }

    private var machine = CLIStateMachine<Waiter>()
    private var context: ChannelHandlerContext?
    /// A line nobody asked for; called on the event loop.
    private let unsolicited: @Sendable (String) -> Void
    /// A `--pipe` reply, or nil for a piped request that will get none; called on the event loop, in order.
    private let piped: @Sendable (String?) -> Void

    init(unsolicited: @escaping @Sendable (String) -> Void, piped: @escaping @Sendable (String?) -> Void) {
        self.unsolicited = unsolicited
        self.piped = piped
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    /// Sends one request (a line without its LF); its reply completes `promise`.
    func ask(_ request: String, promise: EventLoopPromise<String>) {
        switch self.machine.send(.promise(promise)) {
        case .write: self.context?.writeAndFlush(NIOAny(ByteBuffer(string: request + "\n")), promise: nil)
        case .fail: promise.fail(CLIFailure.lost)
        }
    }

    /// Sends `count` requests already framed in `batch` (each line ending in LF), all replies going to `piped`.
    func pipe(_ batch: ByteBuffer, count: Int) {
        for _ in 0..<count {
            if case .fail = self.machine.send(.piped) { self.piped(nil) }
        }
        if self.machine.lifecycle == .open { self.context?.writeAndFlush(NIOAny(batch), promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = String(buffer: self.unwrapInboundIn(data))
        switch self.machine.received() {
        case .answer(.promise(let promise)): promise.succeed(line)
        case .answer(.piped): self.piped(line)
        case .unsolicited: self.unsolicited(line)
        }
    }

    /// Replies and events printed during this read reach the terminal or the pipe now.
    func channelReadComplete(context: ChannelHandlerContext) {
        CLIOutput.flush()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        for waiter in self.machine.closed() {
            switch waiter {
            case .promise(let promise): promise.fail(CLIFailure.lost)
            case .piped: self.piped(nil)
            }
        }
        CLIOutput.flush()
        context.fireChannelInactive()
    }

    /// A reset or a line the decoder refused: the connection is over (channelInactive fails what is in flight).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
