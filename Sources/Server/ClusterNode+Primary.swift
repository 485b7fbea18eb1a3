import Etcd
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SeatActors
import Store
import Synchronization
import WAL

/// The primary's side of replication: the standby dials the replication port, proves the cluster's secret, says
/// what it has; the primary sends it a snapshot if it cannot continue from its log, then its log from there on,
/// batch by batch as they are written; the standby acknowledges what it has durable.
extension ClusterNode {
    typealias ReplicationChannel = NIOAsyncChannel<ReplicationFrame, ByteBuffer>

    func bindReplication() async throws -> NIOAsyncChannel<ReplicationChannel, Never> {
        guard let (host, port) = ClusterSettings.address(self.settings.replicationListen) else {
            throw ClusterError.invalid("cluster.replication_listen: expected <host>:<port>")
        }
        return try await SeatServer.listening(on: self.settings.replicationListen, for: "replication") {
            try await ServerBootstrap(group: self.group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // With tls.* set the standby speaks TLS (and with client_ca shows a certificate signed by it).
                        if let tls = self.tls {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.server))
                        }
                        try channel.pipeline.syncOperations.addHandlers(
                            ByteToMessageHandler(ReplicationFrameDecoder(bodyBytesMax: ReplicationFrame.bodyBytesMax)),
                            ReplicationAckTap())
                        return try ReplicationChannel(wrappingChannelSynchronously: channel)
                    }
                }
        }
    }

    func acceptStandbys(_ listener: NIOAsyncChannel<ReplicationChannel, Never>) async {
        await withDiscardingTaskGroup { group in
            try? await listener.executeThenClose { inbound in
                for try await connection in inbound {
                    group.addTask {
                        do { try await self.serveStandby(connection) } catch {
                            self.logger.info("replication connection ended: \(error)")
                        }
                    }
                }
            }
        }
    }

    /// One standby's connection, from the challenge to its end.
    private func serveStandby(_ connection: ReplicationChannel) async throws {
        var random = SystemRandomNumberGenerator()
        let nonce = (0..<ReplicationFrame.nonceBytes).map { _ in UInt8.random(in: 0...255, using: &random) }
        let greeted = Atomic<Bool>(false)
        let channel = connection.channel
        // A peer that does not prove itself within 5 s is dropped.
        channel.eventLoop.scheduleTask(in: .seconds(5)) {
            if !greeted.load(ordering: .relaxed) { channel.close(promise: nil) }
        }
        try await connection.executeThenClose { inbound, outbound in
            try await outbound.write(ReplicationFrame.challenge(nonce: nonce).buffer)
            var frames = inbound.makeAsyncIterator()
            guard case .hello(let hello)? = try await frames.next() else {
                throw ClusterError.refused("the peer did not say hello")
            }
            greeted.store(true, ordering: .relaxed)
            let info = self.state.current
            let refusal: String? =
                if !hello.isProven(secret: self.settings.secret, nonce: nonce) {
                    "the proof does not match this cluster's secret"
                } else if hello.cluster != self.settings.name || hello.shard != self.settings.shard {
                    "this is cluster \(self.settings.name) shard \(self.settings.shard)"
                } else if hello.node == self.settings.node {
                    "a node cannot follow itself"
                } else if info.role != .primary || !self.state.gate.isServing {
                    "this node is not the primary"
                } else if Int64(hello.epoch) > info.epoch {
                    "the standby has accepted epoch \(hello.epoch), newer than this primary's \(info.epoch)"
                } else { nil }
            if let refusal {
                self.logger.warning("refused a standby", metadata: ["node": "\(hello.node)", "reason": "\(refusal)"])
                try? await outbound.write(ReplicationFrame.refused(refusal).buffer)
                return
            }
            let link = StandbyLink(
                node: hello.node, epoch: info.epoch, channel: channel, gate: self.state.gate,
                caughtUp: { link in Task { try? await self.declareInSync(link) } })
            // Acknowledgements are taken on the connection's event loop as they arrive, not in this task.
            try await channel.pipeline.handler(type: ReplicationAckTap.self).get().attach(link)
            self.source.attach(link)
            self.link.withLock { $0 = link }
            self.state.update { $0.standbyAttached = true }
            self.logger.info(
                "standby connected",
                metadata: ["node": "\(hello.node)", "epoch": "\(hello.epoch)", "lsn": "\(hello.lsn)"])
            defer {
                self.source.detach(link)
                self.link.withLock { if $0 === link { $0 = nil } }
            }
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        do { try await self.catchUp(hello: hello, link: link) } catch {
                            link.close()
                            throw error
                        }
                    }
                    group.addTask { try await self.watchAcknowledgements(link) }
                    while let frame = try await frames.next() {
                        switch frame {
                        case .handover(let epoch) where Int64(epoch) == link.epoch:
                            group.addTask { await self.handOver(link) }
                        case .refused(let reason):
                            throw ClusterError.refused("the standby refused: \(reason)")
                        default:
                            throw ClusterError.refused("unexpected frame from the standby")
                        }
                    }
                    group.cancelAll()
                }
            } catch {
                await self.standbyLost(link)
                throw error
            }
            await self.standbyLost(link)
        }
    }

    /// Sends the standby what it lacks (a snapshot if the log cannot continue its own, then the log after it, read
    /// from the files), then hands the link to the live feed: from then on each batch goes out from the log's
    /// thread as it is written (`StandbyLink.offer`).
    private func catchUp(hello: ReplicationFrame.Hello, link: StandbyLink) async throws {
        let epoch = UInt64(link.epoch)
        var incremental = hello.epoch == epoch && hello.lsn <= self.service.registry.log.lastLSN
        if incremental {
            let after = hello.lsn
            do {
                // Throws when the log no longer starts after the standby's LSN.
                _ = try await BlockingIO.shared.run { () throws(WALError) in
                    try self.service.loggedBatches(after: after, through: after)
                }
            } catch { incremental = false }
        }
        var sent = hello.lsn
        if !incremental {
            let snapshot = try await self.service.snapshotForStandby()
            try await link.write(
                .snapshot(epoch: epoch, lsn: snapshot.lsn, version: snapshot.version, payload: snapshot.payload))
            sent = snapshot.lsn
            self.logger.info("sent a snapshot to the standby", metadata: ["lsn": "\(snapshot.lsn)"])
            // The standby installs it before it takes batches on its fast path: wait for its acknowledgement.
            while link.acknowledgedLSN < snapshot.lsn {
                guard !link.isClosed else { throw ClusterError.refused("the standby left during its snapshot") }
                try await Task.sleep(for: .milliseconds(1))
            }
        }
        link.sent(sent)
        sent = try await self.sendLogged(after: sent, through: self.service.durableLSN, link: link)
        if link.caughtUp(at: sent) {
            // Everything was acknowledged already (a quiet primary): declare it now, not at the next batch.
            link.caughtUp(link)
        }
        // Batches written since the link attached wait in it; a gap before the first of them is read back.
        while let gap = try link.goLive() {
            let through = try await self.sendLogged(after: gap.after, through: gap.through, link: link)
            guard through == gap.through else {
                throw ClusterError.refused("the log lacks LSNs \(through + 1) to \(gap.through)")
            }
        }
    }

    /// Sends the log's batches after `lsn` through `through`, read from its files; returns the last LSN sent.
    private func sendLogged(after lsn: LSN, through: LSN, link: StandbyLink) async throws -> LSN {
        var sent = lsn
        while sent < through {
            let from = sent
            let batches = try await BlockingIO.shared.run { () throws(WALError) in
                try self.service.loggedBatches(after: from, through: min(through, from + 200_000))
            }
            guard !batches.isEmpty else { break }
            for batch in batches {
                try await link.write(.batch(epoch: UInt64(link.epoch), batch))
                sent = batch.lastLSN
                link.sent(sent)
            }
        }
        return sent
    }

    /// Closes the standby's connection when it has not acknowledged what it was sent for longer than the ack
    /// timeout: the primary then records it out of sync and acknowledges alone.
    private func watchAcknowledgements(_ link: StandbyLink) async throws {
        let timeout = Duration.milliseconds(max(500, self.settings.leaseTTLSeconds * 1_000 / 3))
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(50))
            if link.waitingLongerThan(timeout) {
                self.logger.warning(
                    "the standby did not acknowledge in time",
                    metadata: ["node": "\(link.node)", "timeout": "\(timeout)"])
                link.close()
                return
            }
        }
    }

    /// The standby has caught up: from now on changes wait for it (in sync replication), and once it has every
    /// change acknowledged alone, etcd records it in sync (under this epoch), which lets it take over.
    private func declareInSync(_ link: StandbyLink) async throws {
        let gate = self.state.gate
        if self.settings.replication == .sync { gate.standbyInSync(true) }
        let target = self.service.registry.log.lastLSN
        while gate.acknowledgedLSN < target || self.service.durableLSN < target {
            guard !link.isClosed else { return }
            try await Task.sleep(for: .milliseconds(2))
        }
        let record = ClusterLayout.Sync(
            epoch: link.epoch, standby: link.node, state: ClusterLayout.Sync.inSync, primary: self.settings.node)
        guard try await self.writeSync(record, epoch: link.epoch) else {
            self.signalStepDown("the leader key is not this epoch's")
            return
        }
        link.recordedInSync()
        self.state.update { $0.inSync = true }
        self.logger.info("standby in sync", metadata: ["node": "\(link.node)", "lsn": "\(target)"])
    }

    /// The standby's connection ended: if it was in sync, record that it is not (under this epoch) before
    /// acknowledging alone; if that cannot be recorded because the epoch ended, step down.
    func standbyLost(_ link: StandbyLink) async {
        // A newer connection of the standby took over the gate's acknowledgements: it decides from now on.
        guard self.link.withLock({ $0 == nil || $0 === link }) else { return }
        self.state.update { $0.standbyAttached = false }
        guard link.wasInSync || self.state.gate.waitsForStandby else { return }
        let record = ClusterLayout.Sync(
            epoch: link.epoch, standby: link.node, state: ClusterLayout.Sync.outOfSync, primary: self.settings.node)
        while !Task.isCancelled, self.state.current.role == .primary, self.state.current.epoch == link.epoch {
            do {
                if try await self.writeSync(record, epoch: link.epoch) {
                    self.state.gate.standbyInSync(false)
                    self.state.update { $0.inSync = false }
                    self.logger.warning("standby out of sync; acknowledging alone", metadata: ["node": "\(link.node)"])
                } else {
                    self.signalStepDown("the leader key is not this epoch's")
                }
                return
            } catch {
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// CLUSTER FAILOVER, as the in-sync standby asked: stop taking requests, let every change logged reach the
    /// standby (their replies then leave), then step down and release the key so the standby campaigns at once.
    private func handOver(_ link: StandbyLink) async {
        guard self.state.current.role == .primary, link.wasInSync else { return }
        self.logger.notice("handing over", metadata: ["to": "\(link.node)"])
        self.state.update { $0.primary = nil }
        self.handedOverAt.withLock { $0 = .now }
        let last = self.service.registry.log.lastLSN
        let deadline = ContinuousClock.now + .seconds(2)
        while self.state.gate.acknowledgedLSN < last, ContinuousClock.now < deadline, !link.isClosed {
            try? await Task.sleep(for: .milliseconds(1))
        }
        self.signalStepDown("handed over to \(link.node)")
    }
}

/// A primary's view of its standby's connection.
final class StandbyLink: Sendable {
    struct State {
        var sent: LSN = 0
        var acked: LSN = 0
        /// Where the catch-up from the files ended: once acknowledged, the standby is declared in sync.
        var caughtUpAt: LSN? = nil
        var declaring = false
        var inSync = false
        var lastProgress = ContinuousClock.now
        var closed = false
        /// Batches the log wrote while the standby catches up; nil once live (each batch is sent as it comes).
        var pending: [LogBatch]? = []
    }

    let node: String
    let epoch: Int64
    let channel: any Channel
    let gate: ReplicationGate
    /// Called once, when the standby has acknowledged its catch-up: time to declare it in sync.
    let caughtUp: @Sendable (StandbyLink) -> Void
    private let state = Mutex(State())

    init(
        node: String, epoch: Int64, channel: any Channel, gate: ReplicationGate,
        caughtUp: @escaping @Sendable (StandbyLink) -> Void
    ) {
        self.node = node
        self.epoch = epoch
        self.channel = channel
        self.gate = gate
        self.caughtUp = caughtUp
    }

    /// An acknowledgement from the standby (on its connection's event loop).
    func acknowledgement(epoch: UInt64, lsn: LSN) {
        guard Int64(epoch) == self.epoch else { return }
        self.gate.acknowledged(through: lsn)
        if self.acknowledged(lsn) { self.caughtUp(self) }
    }

    func sent(_ lsn: LSN) {
        self.state.withLock {
            if $0.sent == $0.acked { $0.lastProgress = .now }
            $0.sent = max($0.sent, lsn)
        }
    }

    /// The catch-up from the files ended at `lsn`; true when the standby has acknowledged it already (time to
    /// declare it in sync).
    /// Writes a frame and waits until the channel took it.
    func write(_ frame: ReplicationFrame) async throws {
        try await self.channel.writeAndFlush(frame.buffer).get()
    }

    /// A batch the log just wrote (on its thread, before its fsync): sent at once when live, kept while catching up.
    func offer(_ batch: LogBatch) {
        self.state.withLock { state in
            guard !state.closed else { return }
            guard state.pending == nil else {
                state.pending!.append(batch)
                return
            }
            guard let fresh = batch.after(state.sent) else { return }
            guard fresh.firstLSN == state.sent + 1 else {
                // A batch went missing: the standby cannot go on from this connection.
                state.closed = true
                self.channel.close(promise: nil)
                return
            }
            if state.sent == state.acked { state.lastProgress = .now }
            state.sent = fresh.lastLSN
            // Under the lock: batches reach the channel in LSN order.
            self.channel.writeAndFlush(ReplicationFrame.batch(epoch: UInt64(self.epoch), fresh).buffer, promise: nil)
        }
    }

    /// Ends the catch-up: sends the batches kept meanwhile and turns live. Returns the LSNs to read back from the
    /// files first when the kept batches do not start right after what was sent (they were written before the link
    /// attached, or not yet durable when the files were read); nil once live.
    func goLive() throws -> (after: LSN, through: LSN)? {
        try self.state.withLock { state -> (after: LSN, through: LSN)? in
            guard !state.closed else { throw ClusterError.refused("the standby's connection closed") }
            let kept = (state.pending ?? []).compactMap { $0.after(state.sent) }
            if let first = kept.first, first.firstLSN > state.sent + 1 {
                state.pending = kept
                return (state.sent, first.firstLSN - 1)
            }
            for batch in kept {
                guard batch.firstLSN == state.sent + 1 else {
                    throw ClusterError.refused("the log's batches skip from \(state.sent) to \(batch.firstLSN)")
                }
                state.sent = batch.lastLSN
                self.channel.writeAndFlush(
                    ReplicationFrame.batch(epoch: UInt64(self.epoch), batch).buffer, promise: nil)
            }
            state.pending = nil
            return nil
        }
    }

    var acknowledgedLSN: LSN { self.state.withLock { $0.acked } }

    func caughtUp(at lsn: LSN) -> Bool {
        self.state.withLock {
            $0.caughtUpAt = lsn
            guard !$0.declaring, $0.acked >= lsn else { return false }
            $0.declaring = true
            return true
        }
    }

    /// Records an acknowledgement; true the first time the standby has acknowledged its catch-up (time to
    /// declare it in sync).
    func acknowledged(_ lsn: LSN) -> Bool {
        self.state.withLock {
            if lsn > $0.acked { $0.lastProgress = .now }
            $0.acked = max($0.acked, lsn)
            guard !$0.declaring, let target = $0.caughtUpAt, $0.acked >= target else { return false }
            $0.declaring = true
            return true
        }
    }

    func recordedInSync() { self.state.withLock { $0.inSync = true } }
    var wasInSync: Bool { self.state.withLock { $0.inSync } }
    var isClosed: Bool { self.state.withLock { $0.closed } }

    /// True when something sent has waited for its acknowledgement longer than `timeout`.
    func waitingLongerThan(_ timeout: Duration) -> Bool {
        self.state.withLock { $0.sent > $0.acked && $0.lastProgress.duration(to: .now) > timeout }
    }

    func close() {
        self.state.withLock {
            $0.closed = true
            $0.pending = nil
        }
        self.channel.close(promise: nil)
    }
}

/// Takes the standby's acknowledgements off its connection on the event loop (no task between the socket and the
/// replication gate); every other frame goes on to the connection's task.
final class ReplicationAckTap: ChannelInboundHandler, Sendable {
    typealias InboundIn = ReplicationFrame
    typealias InboundOut = ReplicationFrame

    // A class, not a closure: a closure kept in a `Mutex` and read through `inout` is re-wrapped in a pair of
    // reabstraction thunks at each read (perf showed them nesting until they took most of the loop's time).
    private let link = Mutex<StandbyLink?>(nil)

    func attach(_ link: StandbyLink) { self.link.withLock { $0 = link } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .ack(let epoch, let lsn) = Self.unwrapInboundIn(data), let link = self.link.withLock({ $0 }) {
            link.acknowledgement(epoch: epoch, lsn: lsn)
            return
        }
        context.fireChannelRead(data)
    }
}
