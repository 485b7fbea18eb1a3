import Etcd
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SeatActors
import Store
import Synchronization
import WAL

/// The standby's side: follow the shard's primary (replicate its log into this node's log and registry, and
/// acknowledge what is durable here), watch its key, and take over when asked (`CLUSTER FAILOVER`).
extension ClusterNode {
    /// Follows the primary `node` (whose key is `leader`) until its key changes.
    func follow(
        _ leader: KeyValue, _ node: ClusterLayout.Node, sync: ClusterLayout.Sync?, revision: Int64
    ) async throws {
        let epoch = leader.createRevision
        self.state.update {
            $0 = ClusterState.Info(
                role: .joining, epoch: epoch, primary: node.client, inSync: self.isInSync(sync, epoch: epoch))
        }
        if let lease = self.lease.withLock({ $0 }) {
            _ = try? await self.etcd.put(self.standbyKey, ClusterLayout.encode(self.me), lease: lease)
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.replicate(from: node, epoch: epoch) }
            group.addTask { await self.watchLeader(leader, after: revision) }
            await group.next()
            group.cancelAll()
        }
        self.state.update { $0 = ClusterState.Info(role: .joining, epoch: $0.epoch) }
    }

    /// True when `sync` records this node as the in-sync standby of `epoch`.
    func isInSync(_ sync: ClusterLayout.Sync?, epoch: Int64) -> Bool {
        guard let sync else { return false }
        return sync.epoch == epoch && sync.standby == self.settings.node && sync.state == ClusterLayout.Sync.inSync
    }

    /// Returns when the leader key is deleted or taken by another epoch; meanwhile follows the sync record.
    private func watchLeader(_ leader: KeyValue, after revision: Int64) async {
        var from = revision + 1
        while !Task.isCancelled {
            do {
                for try await events in self.etcd.watchPrefix(self.shardPrefix, fromRevision: from) {
                    for event in events {
                        from = event.modRevision + 1
                        switch event {
                        case .delete(let key, _) where key == self.leaderKey: return
                        case .put(let value) where value.key == self.leaderKey:
                            if value.createRevision != leader.createRevision { return }
                        case .put(let value) where value.key == self.syncKey:
                            let sync = ClusterLayout.decode(ClusterLayout.Sync.self, value.value)
                            let inSync = self.isInSync(sync, epoch: leader.createRevision)
                            self.state.update { $0.inSync = inSync }
                        default: continue
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                // Read the key again: the watch may have missed its change.
                guard let current = try? await self.etcd.get(self.leaderKey),
                    current.createRevision == leader.createRevision
                else { return }
                from = max(from, current.modRevision + 1)
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Keeps a replication connection to the primary, reconnecting, until cancelled.
    private func replicate(from node: ClusterLayout.Node, epoch: Int64) async {
        var failures = 0
        while !Task.isCancelled {
            do {
                try await self.replicateOnce(from: node, epoch: epoch)
            } catch {
                if Task.isCancelled { return }
                failures += 1
                if failures % 10 == 1 {
                    self.logger.warning(
                        "replication from the primary failed",
                        metadata: ["primary": "\(node.node)", "error": "\(error)"])
                }
            }
            self.state.update { if $0.role == .standby { $0.role = .joining } }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    private func replicateOnce(from node: ClusterLayout.Node, epoch: Int64) async throws {
        guard let address = node.replication, let (host, port) = ClusterSettings.address(address) else {
            throw ClusterError.invalid("the primary \(node.node) gives no replication address")
        }
        let connection = try await ClientBootstrap(group: self.group)
            .connectTimeout(.seconds(2))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    // With tls.* set: TLS, the primary's certificate checked against client_ca or tls.cert's CA.
                    if let context = self.tls?.replicationClient {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: context, serverHostname: nil))
                    }
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(
                            ReplicationFrameDecoder(bodyBytesMax: ReplicationFrame.snapshotBodyBytesMax)),
                        ReplicationReceiver())
                    return try ReplicationChannel(wrappingChannelSynchronously: channel)
                }
            }
        let channel = connection.channel
        let receiver = try await channel.pipeline.handler(type: ReplicationReceiver.self).get()
        try await connection.executeThenClose { inbound, outbound in
            var frames = inbound.makeAsyncIterator()
            guard case .challenge(let nonce)? = try await frames.next() else {
                throw ClusterError.refused("the primary did not send a challenge")
            }
            var hello = ReplicationFrame.Hello(
                cluster: self.settings.name, shard: self.settings.shard, node: self.settings.node,
                epoch: UInt64(self.acceptedEpoch.withLock { $0 }), lsn: self.service.registry.log.lastLSN, proof: [])
            hello.proof = ReplicationFrame.Hello.proof(secret: self.settings.secret, nonce: nonce, fields: hello)
            // Batches of this epoch go the fast way from now on (a primary that must send a snapshot first waits
            // for its acknowledgement before any batch).
            self.arm(receiver, epoch: epoch, after: hello.lsn)
            try await outbound.write(ReplicationFrame.hello(hello).buffer)
            self.toPrimary.withLock { $0 = channel }
            defer { self.toPrimary.withLock { $0 = nil } }
            while let frame = try await frames.next() {
                try await self.apply(frame, epoch: epoch, receiver: receiver, channel: channel)
            }
        }
    }

    /// Lets `receiver` take batches of `epoch` after `lsn` on the event loop: logged there, acknowledged from the
    /// log's thread once durable, and applied to the registry on the sessions' executors (`dispatchReplay`).
    private func arm(_ receiver: ReplicationReceiver, epoch: Int64, after lsn: LSN) {
        let service = self.service
        let logger = self.logger
        let acknowledgements = AcknowledgementCoalescer(epoch: UInt64(epoch))
        receiver.arm(epoch: UInt64(epoch), after: lsn) { batch, channel throws(SeatError) in
            // Fencing: only batches of the epoch this node accepted (a snapshot or a hello of it came first).
            guard self.acceptedEpoch.withLock({ $0 }) == epoch else {
                throw .unavailable("a batch of epoch \(epoch), which this node has not accepted")
            }
            let through = batch.lastLSN
            let registry = try service.logReplicated(batch) { stored in
                if stored { acknowledgements.acknowledge(through, on: channel) }
            }
            try registry.dispatchReplay(batch) { error in
                logger.error("a replicated batch does not apply: \(error)")
                channel.close(promise: nil)
            }
        }
        if self.state.current.role != .standby { self.state.update { $0.role = .standby } }
    }

    /// Applies a frame the receiver did not take: a snapshot, a refusal.
    private func apply(
        _ frame: ReplicationFrame, epoch: Int64, receiver: ReplicationReceiver, channel: any Channel
    ) async throws {
        switch frame {
        case .snapshot(let frameEpoch, let lsn, let version, let payload):
            guard Int64(frameEpoch) == epoch else {
                throw ClusterError.refused("a snapshot of epoch \(frameEpoch) from the primary of \(epoch)")
            }
            try await self.accept(epoch: epoch)
            try await BlockingIO.shared.run { () throws(WALError) in
                try self.service.install(snapshot: payload, version: version, lsn: lsn)
            }
            self.state.gate.follow()
            self.arm(receiver, epoch: epoch, after: lsn)
            self.logger.info("installed the primary's snapshot", metadata: ["lsn": "\(lsn)", "epoch": "\(epoch)"])
            try await channel.writeAndFlush(ReplicationFrame.ack(epoch: frameEpoch, lsn: lsn).buffer).get()
        case .batch(let frameEpoch, _):
            throw ClusterError.refused("a batch of epoch \(frameEpoch) this node did not expect")
        case .refused(let reason):
            throw ClusterError.refused("the primary refused: \(reason)")
        default:
            throw ClusterError.refused("unexpected frame from the primary")
        }
    }

    /// CLUSTER FAILOVER on this standby: asks the primary to hand over, then waits (up to 5 s) until this node
    /// serves. Only an in-sync standby may.
    func failover() async throws(SeatError) -> Int64 {
        let info = self.state.current
        if info.role == .primary { throw .badRequest("this node is the primary already") }
        guard info.role == .standby, info.inSync, let channel = self.toPrimary.withLock({ $0 }) else {
            throw .unavailable("this node is not a standby in sync")
        }
        // This node asks to lead: a handover it made earlier does not hold it back from campaigning.
        self.handedOverAt.withLock { $0 = nil }
        channel.writeAndFlush(ReplicationFrame.handover(epoch: UInt64(info.epoch)).buffer, promise: nil)
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            let now = self.state.current
            if now.role == .primary, now.epoch > info.epoch, self.state.gate.isServing { return now.epoch }
            try? await Task.sleep(for: .milliseconds(5))
        }
        throw .tryAgain(ms: self.state.retryMs)
    }
}

/// Takes the primary's batches off the replication connection on the event loop once armed: each is logged at
/// once (`LogService.logReplicated`), acknowledged from the log's thread when durable, and queued for the
/// registry. Any other frame, or a batch before it is armed, goes on to the connection's task.
final class ReplicationReceiver: ChannelInboundHandler, Sendable {
    typealias InboundIn = ReplicationFrame
    typealias InboundOut = ReplicationFrame
    typealias Take = @Sendable (LogBatch, any Channel) throws(SeatError) -> Void

    private struct Armed {
        var epoch: UInt64
        var last: LSN
        var take: Take
    }

    private let armed = Mutex<Armed?>(nil)

    func arm(epoch: UInt64, after lsn: LSN, take: @escaping Take) {
        self.armed.withLock { $0 = Armed(epoch: epoch, last: lsn, take: take) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .batch(let epoch, let batch) = Self.unwrapInboundIn(data),
            let armed = self.armed.withLock({ $0 })
        else { return context.fireChannelRead(data) }
        do throws(SeatError) {
            guard epoch == armed.epoch else {
                throw .unavailable("a batch of epoch \(epoch) from the primary of \(armed.epoch)")
            }
            guard let fresh = batch.after(armed.last) else {
                context.writeAndFlush(
                    NIOAny(ReplicationFrame.ack(epoch: epoch, lsn: armed.last).buffer), promise: nil)
                return
            }
            guard fresh.firstLSN == armed.last + 1 else {
                throw .unavailable("a batch at LSN \(fresh.firstLSN); this log ends at \(armed.last)")
            }
            try armed.take(fresh, context.channel)
            self.armed.withLock { $0?.last = fresh.lastLSN }
        } catch {
            context.fireErrorCaught(ClusterError.refused("\(error.message)"))
            context.close(promise: nil)
        }
    }
}

/// A standby's acknowledgements: the batches one fsync made durable are told (on the log's thread) one after
/// another; they go out as one `ack` of the highest LSN, written on the connection's event loop.
final class AcknowledgementCoalescer: Sendable {
    let epoch: UInt64
    /// The highest LSN durable and not yet acknowledged; 0 when none waits.
    private let waiting = Atomic<UInt64>(0)

    init(epoch: UInt64) { self.epoch = epoch }

    func acknowledge(_ lsn: LSN, on channel: any Channel) {
        // LSNs are told in order: the last one told is the highest.
        guard self.waiting.exchange(lsn, ordering: .acquiringAndReleasing) == 0 else { return }
        channel.eventLoop.execute {
            let through = self.waiting.exchange(0, ordering: .acquiringAndReleasing)
            guard through > 0 else { return }
            channel.writeAndFlush(ReplicationFrame.ack(epoch: self.epoch, lsn: through).buffer, promise: nil)
        }
    }
}
