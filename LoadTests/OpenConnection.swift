import NIOCore
import SeatdTestSupport

/// One connection of the open scenario: requests leave on a fixed schedule (`intervalNs` apart from `startNs`),
/// whatever the replies do, and each one's latency runs from when it was due, not from when it could be sent, so
/// a server that stalls is charged for every request that should have gone out meanwhile (no coordinated
/// omission). The requests are those of steady flows (hold k random seats, then release): a due slot takes the
/// next request of a flow that is not waiting for a reply, and opens a new flow when every flow is waiting.
/// With a cluster, its `LoadLink` follows MOVED and TRYAGAIN and reconnects; requests due meanwhile wait for the
/// connection, their latency still counted from when they were due.
final class OpenConnection: LinkedHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let makeFlow: @Sendable (Int) -> SteadyFlow
    private let link: LoadLink
    private let startNs: UInt64
    private let intervalNs: Double
    private let measureFromNs: UInt64
    private let stopAtNs: UInt64
    private let flowsMax: Int
    private let progress: LoadProgress
    private let done: EventLoopPromise<ConnectionOutcome<SteadyFlow>>
    private var flows: [SteadyFlow] = []
    /// Flows with a request ready to go (the request and its kind).
    private var ready = CircularBuffer<(flow: Int, line: String, kind: RequestKind)>()
    private var slotsSent = 0
    private var result = LoadResult()
    private var interval = LoadResult()
    /// The second of the measured window `interval` counts.
    private var intervalSecond = 0
    private var stopping = false
    private var finished = false
    private var timer: RepeatedTask?

    init(
        makeFlow: @escaping @Sendable (Int) -> SteadyFlow, wire: Wire, startNs: UInt64, intervalNs: Double,
        measureFromNs: UInt64, stopAtNs: UInt64, flowsMax: Int, progress: LoadProgress,
        done: EventLoopPromise<ConnectionOutcome<SteadyFlow>>, cluster: ClusterSettings? = nil
    ) {
        self.makeFlow = makeFlow
        self.link = LoadLink(wire: wire, cluster: cluster)
        self.startNs = startNs
        self.intervalNs = intervalNs
        self.measureFromNs = measureFromNs
        self.stopAtNs = stopAtNs
        self.flowsMax = flowsMax
        self.progress = progress
        self.done = done
    }

    /// Cluster: connects to its start, or the first node that answers (on `loop`, the handler's loop from now on).
    func start(on loop: any EventLoop) {
        let box = LoopBox(self)
        loop.execute { box.value.link.start(box.value, loop: loop) }
    }

    func channelActive(context: ChannelHandlerContext) {
        guard self.link.active(context) else {
            self.link.resume()
            self.link.flush()
            return
        }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.timer = context.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .microseconds(500)) { _ in
            bound.value.tick()
        }
    }

    /// Sends every request that is due by now, each stamped with the time it was due.
    private func tick() {
        let now = LoadClock.nowNs
        if now >= self.stopAtNs {
            self.stop()
            return
        }
        guard now > self.startNs else { return }
        let due = Int(Double(now - self.startNs) / self.intervalNs) + 1
        var wrote = false
        while self.slotsSent < due {
            let dueNs = self.startNs + UInt64(Double(self.slotsSent) * self.intervalNs)
            self.slotsSent += 1
            if self.ready.isEmpty {
                guard self.flows.count < self.flowsMax else {
                    // Every flow is waiting: the server is that far behind. The slot is lost (counted), not delayed.
                    self.interval.errors["CLIENT_BEHIND", default: 0] += 1
                    if dueNs >= self.measureFromNs { self.result.errors["CLIENT_BEHIND", default: 0] += 1 }
                    continue
                }
                var flow = self.makeFlow(self.flows.count)
                let line = flow.start()
                self.flows.append(flow)
                self.ready.append((self.flows.count - 1, line, .hold))
            }
            let next = self.ready.removeFirst()
            self.send(next.line, flow: next.flow, kind: next.kind, dueNs: dueNs)
            wrote = true
        }
        if wrote { self.link.flush() }
    }

    /// The end: no more slots; flows give back what they hold, and the connection closes once all is answered.
    private func stop() {
        guard !self.stopping else { return }
        self.stopping = true
        self.timer?.cancel()
        for index in self.flows.indices { self.flows[index].stopping = true }
        let pending = self.ready
        self.ready.removeAll()
        let now = LoadClock.nowNs
        for item in pending where item.kind != .hold {
            self.send(item.line, flow: item.flow, kind: item.kind, dueNs: now)
        }
        self.link.flush()
        if self.link.isIdle { self.finish(error: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = Self.unwrapInboundIn(data)
        let reply = self.link.decode(&buffer)
        let now = LoadClock.nowNs
        let sent: InFlight
        switch self.link.reply(reply) {
        case .answer(let request): sent = request
        case .followed: return
        case .unexpected: return self.finish(error: LoadError("a reply nobody asked for: \(reply)"))
        }
        if sent.startNs >= self.measureFromNs, !self.stopping {
            self.result.record(sent.kind, reply: reply, latencyNs: now &- sent.startNs)
            let second = self.progress.second(of: now)
            if second != self.intervalSecond {
                self.progress.add(self.interval, second: self.intervalSecond)
                self.interval.reset()
                self.intervalSecond = second
            }
            self.interval.record(sent.kind, reply: reply, latencyNs: now &- sent.startNs)
        }
        if let next = self.flows[sent.flow].next(after: reply) {
            let kind = self.flows[sent.flow].pending
            if self.stopping {
                self.send(next, flow: sent.flow, kind: kind, dueNs: now)
                self.link.flush()
            } else {
                self.ready.append((sent.flow, next, kind))
            }
        }
        if self.stopping, self.link.isIdle { self.finish(error: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        guard !self.finished, !self.link.inactive(context) else { return }
        self.finish(
            error: LoadError(
                "the server closed the connection with \(self.link.outstanding.count) requests outstanding"))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // With a cluster the connection closes and the link reconnects; else the run fails.
        if self.link.isCluster { context.close(promise: nil) } else { self.finish(error: error) }
    }

    func linkFailed(_ error: any Error) { self.finish(error: error) }

    private func send(_ line: String, flow: Int, kind: RequestKind, dueNs: UInt64) {
        self.link.send(InFlight(flow: flow, kind: kind, startNs: dueNs, line: line))
    }

    private func finish(error: (any Error)?) {
        guard !self.finished else { return }
        self.finished = true
        self.timer?.cancel()
        self.progress.add(self.interval, second: self.intervalSecond)
        self.result.cluster.merge(self.link.counts)
        if let error {
            self.done.fail(error)
        } else {
            self.done.succeed(ConnectionOutcome(result: self.result, flows: self.flows))
        }
        self.link.close()
    }
}
