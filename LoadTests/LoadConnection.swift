import Dispatch
import NIOCore
import NIOExtras
import NIOPosix
import SeatdTestSupport
import Synchronization

/// A closed-loop client of the load: one request in flight at a time, each the answer to the previous reply.
protocol LoadFlow: Sendable {
    /// The first request (a line ending in LF).
    mutating func start() -> String
    /// Takes the reply to the pending request and returns the next request, or nil when the flow has stopped.
    mutating func next(after reply: Substring) -> String?
    /// The kind of the request in flight.
    var pending: RequestKind { get }
    /// Set when the run ends: the flow gives back what it must and then returns nil.
    var stopping: Bool { get set }
}

/// Ends a run early for every connection at once (the rush, once the sessions are sold out).
final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)
    func stop() { self.flag.store(true, ordering: .relaxed) }
    var isStopped: Bool { self.flag.load(ordering: .relaxed) }
}

/// What one connection hands back: what it measured and its flows (with whatever they recorded).
struct ConnectionOutcome<Flow: LoadFlow>: Sendable {
    var result: LoadResult
    var flows: [Flow]
}

/// One load connection on its event loop: keeps `flows.count` requests in flight (one per flow; replies come back
/// in request order), answers each reply with the flow's next request, and flushes once per read burst. Replies
/// between `measureFromNs` and `stopAtNs` are counted; at `stopAtNs` (or once `stop` is signalled) the flows stop
/// (giving back what they hold) and the connection closes once nothing is outstanding, fulfilling `done`.
/// Requests and replies are seatd lines; `wire` carries them to other targets. With a cluster, its `LoadLink`
/// follows MOVED and TRYAGAIN and reconnects, and the flows see only answers.
final class LoadConnection<Flow: LoadFlow>: LinkedHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var flows: [Flow]
    private let link: LoadLink
    private let token: String?
    private let stop: StopSignal?
    private let measureFromNs: UInt64
    private let stopAtNs: UInt64
    private let progress: LoadProgress
    private let done: EventLoopPromise<ConnectionOutcome<Flow>>
    private var result = LoadResult()
    private var interval = LoadResult()
    /// The second of the measured window `interval` counts.
    private var intervalSecond = 0
    private var stopping = false
    private var finished = false

    init(
        flows: [Flow], wire: Wire, token: String?, measureFromNs: UInt64, stopAtNs: UInt64, stop: StopSignal? = nil,
        progress: LoadProgress, done: EventLoopPromise<ConnectionOutcome<Flow>>, cluster: ClusterSettings? = nil
    ) {
        self.flows = flows
        self.link = LoadLink(wire: wire, cluster: cluster)
        self.token = token
        self.stop = stop
        self.measureFromNs = measureFromNs
        self.stopAtNs = stopAtNs
        self.progress = progress
        self.done = done
    }

    /// Cluster: connects to its start, or the first node that answers (on `loop`, the handler's loop from now on).
    func start(on loop: any EventLoop) {
        let box = LoopBox(self)
        loop.execute { box.value.link.start(box.value, loop: loop) }
    }

    func channelActive(context: ChannelHandlerContext) {
        let first = self.link.active(context)
        let now = LoadClock.nowNs
        if let token = self.token { self.send("AUTH \(token)\n", flow: -1, kind: .other, now: now) }
        if first {
            for index in self.flows.indices { self.send(self.flows[index].start(), flow: index, kind: .hold, now: now) }
        } else {
            self.link.resume()
        }
        self.link.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = Self.unwrapInboundIn(data)
        let text = self.link.decode(&buffer)
        let sent: InFlight
        switch self.link.reply(text) {
        case .answer(let request): sent = request
        case .followed: return
        case .unexpected: return self.finish(error: LoadError("a reply nobody asked for: \(text)"))
        }
        let reply = text
        let now = LoadClock.nowNs
        guard sent.flow >= 0 else {
            if !reply.hasPrefix("OK") { self.finish(error: LoadError("AUTH refused: \(reply)")) }
            return
        }
        if now >= self.measureFromNs, now < self.stopAtNs {
            self.result.record(sent.kind, reply: reply, latencyNs: now &- sent.startNs)
            let second = self.progress.second(of: now)
            if second != self.intervalSecond {
                self.progress.add(self.interval, second: self.intervalSecond)
                self.interval.reset()
                self.intervalSecond = second
            }
            self.interval.record(sent.kind, reply: reply, latencyNs: now &- sent.startNs)
        }
        if !self.stopping, now >= self.stopAtNs || self.stop?.isStopped == true {
            self.stopping = true
            for index in self.flows.indices { self.flows[index].stopping = true }
        }
        if let next = self.flows[sent.flow].next(after: reply) {
            self.send(next, flow: sent.flow, kind: self.flows[sent.flow].pending, now: now)
        }
        if self.stopping, self.link.isIdle { self.finish(error: nil) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
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

    private func send(_ line: String, flow: Int, kind: RequestKind, now: UInt64) {
        self.link.send(InFlight(flow: flow, kind: kind, startNs: now, line: line))
    }

    private func finish(error: (any Error)?) {
        guard !self.finished else { return }
        self.finished = true
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

enum LoadClock {
    /// Monotonic nanoseconds.
    static var nowNs: UInt64 { DispatchTime.now().uptimeNanoseconds }
}

/// Setting up, starting, watching and collecting the connections of a run.
enum LoadRun {
    /// Runs `body` on a fresh event-loop group of `threads` threads, shut down afterwards.
    static func withGroup<Value>(
        threads: Int, _ body: (MultiThreadedEventLoopGroup) async throws -> Value
    ) async throws -> Value {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let value: Value
        do {
            value = try await body(group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
        return value
    }

    /// Opens one connection per element of `flows`, each driving those flows; returns their outcomes to come.
    /// With a cluster, each connection finds a node that answers by itself (and fails if none does); with a `plan`,
    /// connection c starts at the primary of the plan's group c (its flows work on that group's sessions).
    static func start<Flow: LoadFlow>(
        _ flows: [[Flow]], target: Target, wire: Wire, token: String?, group: any EventLoopGroup,
        measureFromNs: UInt64, stopAtNs: UInt64, stop: StopSignal? = nil, progress: LoadProgress,
        cluster: ClusterSettings? = nil, plan: ShardPlan? = nil
    ) async throws -> [EventLoopFuture<ConnectionOutcome<Flow>>] {
        var outcomes: [EventLoopFuture<ConnectionOutcome<Flow>>] = []
        // AUTH is seatd's; the Redis target runs without it.
        let token = target.kind == .seatd || cluster != nil ? token : nil
        for (connection, connectionFlows) in flows.enumerated() {
            let loop = group.next()
            let done = loop.makePromise(of: ConnectionOutcome<Flow>.self)
            outcomes.append(done.futureResult)
            if let cluster {
                LoadConnection(
                    flows: connectionFlows, wire: wire, token: token, measureFromNs: measureFromNs, stopAtNs: stopAtNs,
                    stop: stop, progress: progress, done: done,
                    cluster: cluster.starting(at: plan?.group(ofConnection: connection).shard.primary)
                ).start(on: loop)
                continue
            }
            try await Self.connect(target, on: loop) {
                LoadConnection(
                    flows: connectionFlows, wire: wire, token: token, measureFromNs: measureFromNs,
                    stopAtNs: stopAtNs, stop: stop, progress: progress, done: done)
            }
        }
        return outcomes
    }

    /// Opens one load connection on `loop`: a line decoder, then the handler `makeHandler` makes there.
    static func connect(
        _ target: Target, on loop: any EventLoop, _ makeHandler: @escaping @Sendable () -> any ChannelHandler
    ) async throws {
        _ = try await Self.bootstrap(on: loop, tls: target.tls, makeHandler).connect(to: try target.address()).get()
    }

    /// A bootstrap for load connections on `loop`: TLS when `tls` is given, a line decoder, then the handler
    /// `makeHandler` gives.
    static func bootstrap(
        on loop: any EventLoop, tls: ClientTLS? = nil, _ makeHandler: @escaping @Sendable () -> any ChannelHandler
    ) -> ClientBootstrap {
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(try tls.handler()) }
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(LineBasedFrameDecoder()), makeHandler())
                }
            }
    }

    /// Prints each second of the measured window a quarter second after it ended (time for every connection to
    /// hand it over), until cancelled; `finishReport` then prints the seconds left.
    static func reportEverySecond(_ progress: LoadProgress) -> Task<Void, any Error> {
        Task {
            var second = 0
            while !Task.isCancelled {
                let due = progress.measureFromNs + UInt64(second + 1) * 1_000_000_000 + 250_000_000
                let now = LoadClock.nowNs
                if due > now { try await Task.sleep(for: .nanoseconds(Int64(due - now))) }
                say(progress.take(second: second).progressLine(second: second + 1, seconds: 1))
                second += 1
            }
        }
    }

    /// Stops the per-second report and prints the seconds it had not printed yet (the last one may be partial).
    static func finishReport(_ reporter: Task<Void, any Error>, _ progress: LoadProgress) {
        reporter.cancel()
        for (second, result) in progress.takeRest() { say(result.progressLine(second: second + 1, seconds: 1)) }
    }

    /// Waits for every connection: the merged result, every flow, and the distinct failures.
    static func collect<Flow: LoadFlow>(
        _ outcomes: [EventLoopFuture<ConnectionOutcome<Flow>>]
    ) async -> (result: LoadResult, flows: [Flow], failures: [String]) {
        var total = LoadResult()
        var flows: [Flow] = []
        var failures: Set<String> = []
        for outcome in outcomes {
            do {
                let value = try await outcome.get()
                total.merge(value.result)
                flows += value.flows
            } catch {
                failures.insert("\(error)")
            }
        }
        return (total, flows, failures.sorted())
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
