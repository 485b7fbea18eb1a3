import Etcd
import Foundation
import Logging
import NIOCore
import NIOPosix
import SeatActors
import ServiceLifecycle
import Store
import Synchronization
import WAL

/// A node of a cluster's shard (`docs/cluster.md`): it holds an etcd lease, and either leads the shard (it created
/// the leader key, whose create revision is the epoch, and serves clients and its standby) or follows the leader
/// (it replicates its log as the standby, and campaigns when the leader's key goes). Three tasks: the lease's
/// keepalives, the replication port (`ClusterNode+Primary`), and the loop that leads or follows.
final class ClusterNode: Service, Sendable {
    let settings: ClusterSettings
    let state: ClusterState
    let service: LogService
    let source: ReplicationSource
    let group: any EventLoopGroup
    let logger: Logger
    let etcd: EtcdClient
    /// Returns once every session executor has run what was queued on it (the standby's replays).
    let barrier: @Sendable () async -> Void
    /// The lease this node's keys are attached to, nil until granted (and again once lost).
    let lease = Mutex<Int64?>(nil)
    /// The highest epoch this node has accepted a snapshot or batches of, or served: kept in `<data>/cluster-epoch`.
    /// A primary of an older epoch is refused, and promotion needs the epoch the sync record names.
    let acceptedEpoch: Mutex<Int64>
    /// When this node last handed the shard over (`CLUSTER FAILOVER`): it does not campaign for a while after.
    let handedOverAt = Mutex<ContinuousClock.Instant?>(nil)
    /// While leading: ends the leadership, with the reason.
    let stepDownSignal = Mutex<AsyncStream<String>.Continuation?>(nil)
    /// While leading: the standby's connection.
    let link = Mutex<StandbyLink?>(nil)
    /// While following: the replication connection to the primary (for a handover request).
    let toPrimary = Mutex<(any Channel)?>(nil)
    /// With `tls.*` set: the replication port's contexts (the listener's, and the one a standby dials with).
    let tls: TLSContextStore?

    init(
        settings: ClusterSettings, state: ClusterState, service: LogService, source: ReplicationSource,
        group: any EventLoopGroup, logger: Logger, tls: TLSContextStore? = nil,
        barrier: @escaping @Sendable () async -> Void
    ) throws {
        self.tls = tls
        self.barrier = barrier
        self.settings = settings
        self.state = state
        self.service = service
        self.source = source
        self.group = group
        self.logger = logger
        self.etcd = state.etcd
        self.acceptedEpoch = Mutex(try Self.readEpoch(data: service.data))
    }

    // MARK: Keys

    var leaderKey: [UInt8] { ClusterLayout.shardKey(self.settings.name, self.settings.shard, "leader") }
    var syncKey: [UInt8] { ClusterLayout.shardKey(self.settings.name, self.settings.shard, "sync") }
    var standbyKey: [UInt8] { ClusterLayout.shardKey(self.settings.name, self.settings.shard, "standby") }
    var shardPrefix: [UInt8] { ClusterLayout.shardKey(self.settings.name, self.settings.shard, "") }

    /// This node as the leader and standby keys describe it.
    var me: ClusterLayout.Node {
        ClusterLayout.Node(
            node: self.settings.node, client: self.settings.advertise, replication: self.settings.replicationListen)
    }

    // MARK: Running

    func run() async throws {
        let listener = try await self.bindReplication()
        self.logger.info(
            "cluster node",
            metadata: [
                "node": "\(self.settings.node)", "shard": "\(self.settings.shard)",
                "replication_listen": "\(self.settings.replicationListen)",
                "lease_ttl_s": "\(self.settings.leaseTTLSeconds)", "replication": "\(self.settings.replication)",
                "epoch": "\(self.acceptedEpoch.withLock { $0 })",
            ])
        do {
            try await cancelWhenGracefulShutdown { try await self.checkLayout() }
        } catch is CancellationError {
            listener.channel.close(promise: nil)
            return
        }
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.acceptStandbys(listener) }
                group.addTask { await self.keepLeaseAlive() }
                group.addTask { await self.watchRoutes() }
                group.addTask { await self.serveShard() }
            }
        }
        listener.channel.close(promise: nil)
        // A primary that stops hands over at once: its lease is revoked (and its key with it) instead of lapsing.
        if self.state.current.role == .primary { self.stepDown("shutting down") }
        if let lease = self.lease.withLock({ $0 }) { try? await self.etcd.revoke(lease: lease) }
        try? await self.etcd.shutdown()
    }

    /// Refuses to start when the cluster has no layout (`seatd cluster init`) or the layout lacks this shard; takes
    /// the layout's slot ranges.
    private func checkLayout() async throws {
        var attempt = 0
        while true {
            do {
                guard let stored = try await self.etcd.get(ClusterLayout.layoutKey(self.settings.name)) else {
                    throw ClusterError.invalid(
                        "cluster \(self.settings.name) has no layout in etcd: run seatd cluster init first")
                }
                guard let layout = ClusterLayout.decode(ClusterLayout.self, stored.value),
                    layout.shards.contains(self.settings.shard)
                else {
                    throw ClusterError.invalid(
                        "cluster \(self.settings.name)'s layout has no shard \(self.settings.shard)")
                }
                guard let ranges = layout.slotRanges else {
                    throw ClusterError.invalid(
                        "cluster \(self.settings.name)'s layout does not cover slots 0-1023 once")
                }
                self.state.use(ranges: ranges, shards: layout.shards)
                return
            } catch let error as EtcdError {
                attempt += 1
                if attempt % 10 == 1 { self.logger.warning("etcd unreachable, retrying: \(error)") }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// Renews the lease every third of its TTL (granting a new one when it is gone), and tells the gate when it did.
    private func keepLeaseAlive() async {
        let gate = self.state.gate
        let every = Duration.milliseconds(self.settings.leaseTTLSeconds * 1_000 / 3)
        var failures = 0
        while !Task.isCancelled {
            let sent = gate.nowNs
            do throws(EtcdError) {
                if let id = self.lease.withLock({ $0 }) {
                    if try await self.etcd.keepAlive(lease: id) != nil {
                        gate.renewed(at: sent)
                    } else {
                        self.logger.warning("the etcd lease lapsed", metadata: ["lease": "\(id)"])
                        self.lease.withLock { $0 = nil }
                        self.signalStepDown("the lease lapsed")
                        continue
                    }
                } else {
                    let lease = try await self.etcd.grantLease(ttlSeconds: Int64(self.settings.leaseTTLSeconds))
                    self.lease.withLock { $0 = lease.id }
                    gate.renewed(at: sent)
                }
                failures = 0
            } catch {
                failures += 1
                if failures % 10 == 1 { self.logger.warning("lease keepalive failed: \(error)") }
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            try? await Task.sleep(for: every)
        }
    }

    /// Keeps the routes to the other shards' primaries (`ClusterState.route`) in line with their leader keys, for
    /// as long as the node runs: requests for their sessions are referred there (`ERR MOVED`).
    private func watchRoutes() async {
        let name = self.settings.name
        let prefix = ClusterLayout.shardsPrefix(name)
        func client(_ value: [UInt8]) -> String? { ClusterLayout.decode(ClusterLayout.Node.self, value)?.client }
        var failures = 0
        while !Task.isCancelled {
            do {
                let (keys, revision) = try await self.etcd.getPrefixWithRevision(prefix)
                for shard in self.state.currentRoutes.shards where shard != self.settings.shard {
                    let leader = ClusterLayout.shardKey(name, shard, "leader")
                    self.state.route(
                        shard: shard, primary: keys.first { $0.key == leader }.flatMap { client($0.value) })
                }
                for try await events in self.etcd.watchPrefix(prefix, fromRevision: revision + 1) {
                    for event in events {
                        guard let (shard, leaf) = ClusterLayout.shardAndLeaf(of: event.key, in: name),
                            leaf == "leader", shard != self.settings.shard
                        else { continue }
                        switch event {
                        case .put(let keyValue): self.state.route(shard: shard, primary: client(keyValue.value))
                        case .delete: self.state.route(shard: shard, primary: nil)
                        }
                    }
                    failures = 0
                }
            } catch {
                if Task.isCancelled { return }
                failures += 1
                if failures % 10 == 1 { self.logger.warning("watching the shards' primaries: \(error)") }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// Leads or follows, for as long as the node runs.
    private func serveShard() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                guard let lease = self.lease.withLock({ $0 }) else {
                    try await Task.sleep(for: .milliseconds(50))
                    continue
                }
                let (keys, revision) = try await self.etcd.getPrefixWithRevision(self.shardPrefix)
                let leader = keys.first { $0.key == self.leaderKey }
                let sync = keys.first { $0.key == self.syncKey }.flatMap {
                    ClusterLayout.decode(ClusterLayout.Sync.self, $0.value)
                }
                if let leader, leader.lease != lease {
                    if let node = ClusterLayout.decode(ClusterLayout.Node.self, leader.value),
                        node.node != self.settings.node
                    {
                        try await self.follow(leader, node, sync: sync, revision: revision)
                    } else {
                        // This node's key from before a restart: wait for its lease to lapse.
                        self.state.update {
                            $0.role = .joining
                            $0.primary = nil
                        }
                        try await self.waitForChange(after: revision)
                    }
                } else if leader == nil, self.mayCampaign(sync) {
                    switch try await self.etcd.createIfAbsent(
                        self.leaderKey, ClusterLayout.encode(self.me), lease: lease)
                    {
                    case .created(let epoch): try await self.lead(epoch: epoch, lease: lease, previous: sync)
                    case .exists: continue
                    }
                } else {
                    self.state.update {
                        $0.role = .joining
                        $0.primary = nil
                    }
                    try await self.waitForChange(after: revision)
                }
                failures = 0
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                if failures % 10 == 1 { self.logger.warning("cluster: \(error)") }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Whether this node may become the primary: the shard never had one, or the sync record (of the epoch this
    /// node last accepted) names it as the primary, or as a standby in sync. An out-of-sync standby never does.
    func mayCampaign(_ sync: ClusterLayout.Sync?) -> Bool {
        if let handedOver = self.handedOverAt.withLock({ $0 }),
            handedOver.duration(to: .now) < .seconds(2 * self.settings.leaseTTLSeconds)
        {
            return false
        }
        guard let sync else { return true }
        guard sync.epoch == self.acceptedEpoch.withLock({ $0 }) else { return false }
        if sync.primary == self.settings.node { return true }
        return sync.standby == self.settings.node && sync.state == ClusterLayout.Sync.inSync
    }

    /// Returns at the first change of the shard's keys after `revision`, or after a second.
    func waitForChange(after revision: Int64) async throws {
        let watch = self.etcd.watchPrefix(self.shardPrefix, fromRevision: revision + 1)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await _ in watch { return }
            }
            group.addTask { try await Task.sleep(for: .seconds(1)) }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    // MARK: Leading

    /// Serves as the shard's primary of `epoch` until it loses the key, its lease, or hands over.
    private func lead(epoch: Int64, lease: Int64, previous: ClusterLayout.Sync?) async throws {
        try await self.accept(epoch: epoch)
        // Out of sync until the standby catches up: until then this primary acknowledges alone.
        let record = ClusterLayout.Sync(
            epoch: epoch, standby: previous?.standby ?? "", state: ClusterLayout.Sync.outOfSync,
            primary: self.settings.node)
        guard try await self.writeSync(record, epoch: epoch) else { return }
        // The standby key names this node no more.
        _ = try? await self.etcd.txn(
            compare: [.value(self.standbyKey, .equal, ClusterLayout.encode(self.me))],
            success: [.delete(key: self.standbyKey)])
        let (signals, sink) = AsyncStream.makeStream(of: String.self)
        self.stepDownSignal.withLock { $0 = sink }
        // Every batch this node took as the standby is applied before it serves.
        await self.barrier()
        self.state.gate.serve(from: self.service.registry.log.lastLSN)
        self.state.update {
            $0 = ClusterState.Info(role: .primary, epoch: epoch, primary: self.settings.advertise)
        }
        self.logger.notice(
            "serving as primary", metadata: ["epoch": "\(epoch)", "lsn": "\(self.service.registry.log.lastLSN)"])
        let reason = await withTaskGroup(of: String.self) { group in
            group.addTask { await self.watchOwnKey(epoch: epoch) }
            group.addTask {
                await self.state.catalog.follow()
                return "stopped"
            }
            group.addTask {
                for await reason in signals { return reason }
                return "stopped"
            }
            group.addTask {
                // The lease is surely gone a TTL after the last renewal: the successor may serve from then on.
                let ttl = Int64(self.settings.leaseTTLSeconds) * 1_000_000_000
                while !Task.isCancelled {
                    if self.state.gate.sinceRenewalNs > ttl { return "no lease renewal for a whole TTL" }
                    try? await Task.sleep(for: .milliseconds(50))
                }
                return "stopped"
            }
            let first = await group.next() ?? "stopped"
            group.cancelAll()
            return first
        }
        self.stepDown(reason)
        // Release the key if it is still this epoch's (a handover, or a primary that stops): the standby then
        // campaigns at once instead of waiting for the lease to lapse.
        _ = try? await self.etcd.txn(
            compare: [.createRevision(self.leaderKey, .equal, epoch)], success: [.delete(key: self.leaderKey)])
    }

    /// Returns when this primary's key is gone or is not of its epoch any more.
    private func watchOwnKey(epoch: Int64) async -> String {
        var from = epoch + 1
        while !Task.isCancelled {
            do {
                for try await events in self.etcd.watch(self.leaderKey, fromRevision: from) {
                    for event in events {
                        from = event.modRevision + 1
                        switch event {
                        case .delete: return "the leader key was deleted"
                        case .put(let value) where value.createRevision != epoch:
                            return "the leader key is of another epoch"
                        case .put: continue
                        }
                    }
                }
            } catch {
                // Read it again: a watch that ended (or was compacted away) may have missed the change.
                if Task.isCancelled { break }
                if let current = try? await self.etcd.get(self.leaderKey), current.createRevision == epoch {
                    from = current.modRevision + 1
                    try? await Task.sleep(for: .milliseconds(50))
                    continue
                }
                if (try? await self.etcd.get(self.leaderKey)) == nil, !Task.isCancelled {
                    // Unreachable etcd or a deleted key: the lease watchdog decides for the former.
                    try? await Task.sleep(for: .milliseconds(100))
                    continue
                }
                return "the leader key is not this epoch's"
            }
        }
        return "stopped"
    }

    /// Ends this node's leadership (`lead` returns).
    func signalStepDown(_ reason: String) {
        self.stepDownSignal.withLock { $0 }?.yield(reason)
    }

    /// Stops acknowledging: every change still waiting gets `ERR TRYAGAIN`; the standby's connection is closed.
    func stepDown(_ reason: String) {
        self.stepDownSignal.withLock {
            $0?.finish()
            $0 = nil
        }
        self.state.gate.stepDown(.tryAgain(ms: self.state.retryMs))
        self.state.update { $0 = ClusterState.Info(role: .joining, epoch: $0.epoch) }
        self.link.withLock { $0 }?.close()
        self.logger.notice("stepped down", metadata: ["reason": "\(reason)"])
    }

    /// Writes the sync record, only while the leader key is still of `epoch`. False when it is not.
    func writeSync(_ record: ClusterLayout.Sync, epoch: Int64) async throws(EtcdError) -> Bool {
        let result = try await self.etcd.txn(
            compare: [.createRevision(self.leaderKey, .equal, epoch)],
            success: [.put(key: self.syncKey, value: ClusterLayout.encode(record))])
        return result.succeeded
    }

    // MARK: The accepted epoch

    static func epochPath(data: String) -> String { data + "/cluster-epoch" }

    static func readEpoch(data: String) throws -> Int64 {
        guard let bytes = try DataDirectory.readFile(Self.epochPath(data: data)) else { return 0 }
        guard let epoch = Int64(String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }) else {
            throw ClusterError.invalid("\(Self.epochPath(data: data)) does not hold an epoch")
        }
        return epoch
    }

    /// Records (durably) that this node accepts `epoch`; refuses an older one than it has accepted.
    func accept(epoch: Int64) async throws {
        let current = self.acceptedEpoch.withLock { $0 }
        guard epoch >= current else {
            throw ClusterError.invalid("epoch \(epoch) is older than the \(current) this node has accepted")
        }
        guard epoch > current else { return }
        let path = Self.epochPath(data: self.service.data)
        try await BlockingIO.shared.run { () throws(WALError) in
            try DataDirectory.writeFile(path, Array("\(epoch)\n".utf8))
        }
        self.acceptedEpoch.withLock { $0 = max($0, epoch) }
    }
}
