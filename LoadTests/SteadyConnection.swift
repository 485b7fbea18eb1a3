import Dispatch
import NIOCore

/// One load connection on its event loop: keeps `flows.count` requests in flight (one per flow; replies come back
/// in request order), answers each reply with the flow's next request, and flushes once per read burst. Replies
/// between `measureFromNs` and `stopAtNs` are counted; at `stopAtNs` the flows stop (releasing what they hold)
/// and the connection closes once nothing is outstanding, fulfilling `done` with what it measured.
final class SteadyConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Sent {
        /// The flow, or -1 for AUTH.
        var flow: Int
        var kind: RequestKind
        var sentNs: UInt64
    }

    private var flows: [SteadyFlow]
    private let token: String?
    private let measureFromNs: UInt64
    private let stopAtNs: UInt64
    private let progress: LoadProgress
    private let done: EventLoopPromise<LoadResult>
    private var outstanding = CircularBuffer<Sent>()
    private var result = LoadResult()
    private var interval = LoadResult()
    private var nextProgressNs: UInt64 = 0
    private var stopping = false
    private var finished = false

    init(flows: [SteadyFlow], token: String?, measureFromNs: UInt64, stopAtNs: UInt64, progress: LoadProgress,
         done: EventLoopPromise<LoadResult>) {
        self.flows = flows
        self.token = token
        self.measureFromNs = measureFromNs
        self.stopAtNs = stopAtNs
        self.progress = progress
        self.done = done
        self.outstanding.reserveCapacity(flows.count + 1)
    }

    static var nowNs: UInt64 { DispatchTime.now().uptimeNanoseconds }

    func channelActive(context: ChannelHandlerContext) {
        let now = Self.nowNs
        self.nextProgressNs = now + 250_000_000
        if let token = self.token { self.send("AUTH \(token)\n", flow: -1, kind: .other, now: now, context: context) }
        for index in self.flows.indices {
            self.send(self.flows[index].start(), flow: index, kind: .hold, now: now, context: context)
        }
        context.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = Self.unwrapInboundIn(data)
        let reply = Substring(buffer.readString(length: buffer.readableBytes) ?? "")
        let now = Self.nowNs
        guard let sent = self.outstanding.popFirst() else {
            return self.finish(context: context, error: LoadError("a reply nobody asked for: \(reply)"))
        }
        guard sent.flow >= 0 else {
            if !reply.hasPrefix("OK") { self.finish(context: context, error: LoadError("AUTH refused: \(reply)")) }
            return
        }
        if now >= self.measureFromNs, now < self.stopAtNs {
            self.result.record(sent.kind, reply: reply, latencyNs: now &- sent.sentNs)
            self.interval.record(sent.kind, reply: reply, latencyNs: now &- sent.sentNs)
        }
        if now >= self.stopAtNs, !self.stopping {
            self.stopping = true
            for index in self.flows.indices { self.flows[index].stopping = true }
        }
        if let next = self.flows[sent.flow].next(after: reply) {
            self.send(next, flow: sent.flow, kind: self.flows[sent.flow].pending, now: now, context: context)
        }
        if now >= self.nextProgressNs {
            self.progress.add(self.interval)
            self.interval.reset()
            self.nextProgressNs = now + 250_000_000
        }
        if self.stopping, self.outstanding.isEmpty { self.finish(context: context, error: nil) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.finish(context: context, error: LoadError("the server closed the connection with \(self.outstanding.count) requests outstanding"))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.finish(context: context, error: error)
    }

    private func send(_ line: String, flow: Int, kind: RequestKind, now: UInt64, context: ChannelHandlerContext) {
        self.outstanding.append(Sent(flow: flow, kind: kind, sentNs: now))
        context.write(Self.wrapOutboundOut(context.channel.allocator.buffer(string: line)), promise: nil)
    }

    private func finish(context: ChannelHandlerContext, error: (any Error)?) {
        guard !self.finished else { return }
        self.finished = true
        self.progress.add(self.interval)
        if let error { self.done.fail(error) } else { self.done.succeed(self.result) }
        context.close(promise: nil)
    }
}

struct LoadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension LoadResult {
    mutating func reset() {
        for index in self.replies.indices { self.replies[index] = 0 }
        self.conflicts = 0
        self.errors.removeAll(keepingCapacity: true)
        self.latencyNs.reset()
    }
}
