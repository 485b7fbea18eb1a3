import NIOCore
import NIOPosix
import SeatdTestSupport

/// A request a load connection has sent and not had answered yet.
struct InFlight {
    /// The flow, or -1 for AUTH.
    var flow: Int
    var kind: RequestKind
    /// Where its latency counts from: when it was first sent (closed loop) or due (open loop), kept when it is sent
    /// again, so that a failover's wait is charged to the requests that waited.
    var startNs: UInt64
    /// The request line, kept to send it again.
    var line: String
    /// When this attempt was written: the reply timeout counts from here.
    var writtenNs: UInt64 = 0
}

/// A load handler (`LoadConnection`, `OpenConnection`) whose connection a `LoadLink` keeps.
protocol LinkedHandler: ChannelInboundHandler {
    /// The link gave up: no node of the cluster could be reached for `ClusterSettings.unreachableMsMax`.
    func linkFailed(_ error: any Error)
}

/// The wire side of a load connection, on its event loop: the requests in flight in order, and, with a cluster,
/// everything that keeps the flows going across nodes. A MOVED sends its request again on a connection to the
/// primary it names (once the requests still in flight here are answered); a TRYAGAIN sends it again after the
/// wait; a dropped connection (or a reply overdue by `replyTimeoutMs`) reconnects to the next listed address and
/// sends again every request it had in flight, counted as indeterminate. None of these reaches the handler as a
/// reply: a handler sees each request's one answer. Without a cluster, the link only writes and pairs replies.
final class LoadLink {
    /// What a reply means to the handler.
    enum Reply {
        /// The answer to `request`.
        case answer(InFlight)
        /// The link sends the request again (MOVED, TRYAGAIN): nothing for the handler.
        case followed
        /// A reply nobody asked for.
        case unexpected
    }

    private let wire: Wire
    private let cluster: ClusterSettings?
    private var route: ClusterRoute?
    private(set) var outstanding = CircularBuffer<InFlight>()
    /// The current channel's context; nil between connections.
    private var context: ChannelHandlerContext?
    /// Requests to send once connected again.
    private var waiting: [InFlight] = []
    /// TRYAGAIN resends scheduled and not sent yet.
    private var delayed = 0
    /// A MOVED came: the requests in flight here are answered first, then the link goes to `route.current`.
    private var redirecting = false
    /// When a request last got its answer (or the link started): the link gives up after `unreachableMsMax`.
    private var lastAnswerNs: UInt64 = 0
    /// The handler added to every connection (a cluster).
    private var handler: (any LinkedHandler)?
    private var timer: RepeatedTask?
    private var closed = false
    private var connections = 0
    private(set) var counts = ClusterCounts()

    init(wire: Wire, cluster: ClusterSettings?) {
        self.wire = wire
        self.cluster = cluster
        self.route = cluster.map { ClusterRoute($0.addresses, start: $0.start) }
    }

    var isCluster: Bool { self.cluster != nil }

    /// Nothing in flight, waiting or scheduled: a stopping handler may finish.
    var isIdle: Bool { self.outstanding.isEmpty && self.waiting.isEmpty && self.delayed == 0 }

    /// The handler's channelActive; true on the first connection (the handler starts its flows), false on a
    /// reconnection (the handler sends AUTH again, then `resume()`).
    func active(_ context: ChannelHandlerContext) -> Bool {
        self.context = context
        self.connections += 1
        if self.connections > 1 { self.counts.reconnects += 1 }
        return self.connections == 1
    }

    /// Sends the requests that waited for this connection (after a reconnection).
    func resume() {
        let waiting = self.waiting
        self.waiting.removeAll()
        for request in waiting { self.send(request) }
    }

    /// Writes `request` now, or keeps it until the link is connected (again). The caller flushes.
    func send(_ request: InFlight) {
        guard let context = self.context, !self.redirecting else {
            self.waiting.append(request)
            return
        }
        var request = request
        request.writtenNs = LoadClock.nowNs
        self.outstanding.append(request)
        var buffer = context.channel.allocator.buffer(capacity: request.line.utf8.count + 64)
        self.wire.encode(request.line, into: &buffer)
        context.write(NIOAny(buffer), promise: nil)
    }

    func flush() { self.context?.flush() }

    /// The seatd reply line in a reply of the target.
    func decode(_ buffer: inout ByteBuffer) -> Substring {
        self.wire.decode(Substring(buffer.readString(length: buffer.readableBytes) ?? ""))
    }

    /// The handler's channelRead: which request `reply` answers, or that the link follows it.
    func reply(_ reply: Substring) -> Reply {
        guard let request = self.outstanding.popFirst() else { return .unexpected }
        guard self.route != nil, let context = self.context else { return .answer(request) }
        let meaning = ClusterReply(reply)
        switch meaning {
        case .moved(_, let address):
            self.counts.moved += 1
            self.route!.moved(to: address)
            self.redirecting = true
            if request.flow >= 0 { self.waiting.append(request) }
        case .tryAgain(let delayMs):
            self.counts.tryAgain += 1
            self.delayed += 1
            let box = LoopBox(self)
            context.eventLoop.scheduleTask(in: .milliseconds(Int64(delayMs))) {
                let link = box.value
                link.delayed -= 1
                guard !link.closed else { return }
                link.send(request)
                link.flush()
            }
        case .unavailable, .answer:
            self.route!.answered()
            self.lastAnswerNs = LoadClock.nowNs
        }
        // Redirected: once what is in flight here is answered, the link goes to the primary.
        if self.redirecting, self.outstanding.isEmpty { context.close(promise: nil) }
        switch meaning {
        case .moved, .tryAgain: return .followed
        case .unavailable, .answer: return .answer(request)
        }
    }

    /// The handler's channelInactive: true when the link reconnects (a cluster), false when the connection is over.
    func inactive(_ context: ChannelHandlerContext) -> Bool {
        guard self.route != nil, !self.closed else { return false }
        guard context === self.context else { return true }
        self.context = nil
        // What was in flight may or may not have been done: it is sent again, counted as indeterminate (AUTH is
        // sent anew by the handler).
        let lost = self.outstanding.filter { $0.flow >= 0 }
        self.outstanding.removeAll()
        self.counts.resent += lost.count
        self.waiting = lost + self.waiting
        if !self.redirecting { self.route!.dropped() }
        self.redirecting = false
        self.connect(loop: context.eventLoop, afterMs: self.route!.delayMs)
        return true
    }

    /// Cluster: the first connection, to the route's start (a shard's primary, or the first listed address); when
    /// it fails, the next listed ones in turn. `handler` is added to every connection the link makes, and told when
    /// it gives up.
    func start(_ handler: any LinkedHandler, loop: any EventLoop) {
        guard let cluster = self.cluster else { preconditionFailure("LoadLink.start needs a cluster") }
        self.handler = handler
        self.lastAnswerNs = LoadClock.nowNs
        let box = LoopBox(self)
        let timeoutNs = UInt64(cluster.replyTimeoutMs) * 1_000_000
        self.timer = loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { _ in
            box.value.watch(timeoutNs: timeoutNs)
        }
        self.connect(loop: loop, afterMs: 0)
    }

    /// No more connections; closes the current one.
    func close() {
        self.closed = true
        self.timer?.cancel()
        self.context?.close(promise: nil)
        self.handler = nil
    }

    private func connect(loop: any EventLoop, afterMs delayMs: Int) {
        let box = LoopBox(self)
        loop.scheduleTask(in: .milliseconds(Int64(delayMs))) {
            let link = box.value
            guard !link.closed, let handler = link.handler, let target = link.route?.current else { return }
            let connected: EventLoopFuture<any Channel>
            do {
                let address = try target.address()
                let handlerBox = LoopBox(handler)
                connected = LoadRun.bootstrap(on: loop, tls: target.tls) { handlerBox.value }.connect(to: address)
            } catch {
                connected = loop.makeFailedFuture(error)
            }
            connected.whenFailure { _ in box.value.connectFailed(loop: loop) }
        }
    }

    private func connectFailed(loop: any EventLoop) {
        guard !self.closed else { return }
        self.route!.dropped()
        self.connect(loop: loop, afterMs: self.route!.delayMs)
    }

    /// Every 100 ms: a reply overdue by the timeout ends its connection (a stopped node keeps the connection open
    /// and answers nothing); requests that no node has answered for `unreachableMsMax` end the link.
    private func watch(timeoutNs: UInt64) {
        guard !self.closed, let cluster = self.cluster else { return }
        let now = LoadClock.nowNs
        if let first = self.outstanding.first, let context = self.context, now &- first.writtenNs > timeoutNs {
            context.close(promise: nil)
        }
        guard !self.isIdle, now &- self.lastAnswerNs > UInt64(cluster.unreachableMsMax) * 1_000_000 else { return }
        let handler = self.handler
        self.close()
        handler?.linkFailed(
            LoadError("no node of the \(cluster.description) answered for \(cluster.unreachableMsMax) ms"))
    }
}

/// A value used only on one event loop, carried through `@Sendable` closures run on that loop (a load handler and
/// its link are created off the loop, so `NIOLoopBound`, which checks it is created on the loop, does not fit).
struct LoopBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
