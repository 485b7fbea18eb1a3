import SeatActors
import Synchronization
import WAL

/// What a cluster adds to "durable" on a shard's primary (`docs/cluster.md`): the standby's acknowledgement, and a
/// lease fresh enough that no successor can have taken over. `LogService.durability(of:)` asks it once the local
/// log is durable; a single node has no gate.
///
/// - While the standby is in sync (`requireAck`), a change is durable once the standby has acknowledged its LSN.
///   The primary turns that off only after recording in etcd, under its epoch, that the standby is out of sync.
/// - While the node is not the primary, or once its last lease renewal is older than `freshForNs`, nothing it logs
///   is durable yet (fenced): replies wait until it renews, and are lost (`refusal`) if it steps down instead.
public final class ReplicationGate: Sendable {
    struct State {
        /// Following (a standby, or a node that has not decided): its log is durable when written here. Serving:
        /// the primary. Stepped down: it served and no longer does; what it has not acknowledged may be lost.
        var role = Role.following
        /// True while the standby is in sync: changes wait for its acknowledgement.
        var requireAck = false
        /// The last LSN the standby has acknowledged.
        var acked: LSN = 0
        var waiters: [(lsn: LSN, decided: @Sendable () -> Void)] = []
    }

    enum Role {
        case following
        case serving
        /// Every change still waiting gets this error: it may or may not survive on the new primary.
        case steppedDown(SeatError)
    }

    private let state = Mutex(State())
    /// When the lease was last renewed (`ContinuousClock` nanoseconds since `origin`; long before it: never).
    private let renewedNs = Atomic<Int64>(-(1 << 62))
    private let origin = ContinuousClock.now
    /// How long after a renewal the primary may still acknowledge: 2/3 of the lease's TTL.
    public let freshForNs: Int64

    public init(leaseTTLSeconds: Int) {
        self.freshForNs = Int64(leaseTTLSeconds) * 2_000_000_000 / 3
    }

    /// The gate's clock: nanoseconds since it was made (monotonic).
    public var nowNs: Int64 {
        let elapsed = self.origin.duration(to: .now).components
        return elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000
    }

    /// True while the last renewal is recent enough to acknowledge.
    public var isFresh: Bool { self.nowNs - self.renewedNs.load(ordering: .acquiring) < self.freshForNs }

    /// Where a change of `lsn`, durable in the local log, stands.
    func durability(through lsn: LSN) -> Durability {
        let fresh = self.isFresh
        let decided: Durability? = self.state.withLock { state in state.decide(lsn, fresh: fresh) }
        return decided ?? .waiting(DurabilityTicket(gate: self, lsn: lsn))
    }

    /// Calls `decided` once the change of `lsn` may be decided: the standby acknowledged it, the node renewed its
    /// lease, stopped waiting for acknowledgements, or stepped down (at once when one of them holds already).
    func whenDecided(through lsn: LSN, _ decided: @escaping @Sendable () -> Void) {
        if case .waiting = self.durability(through: lsn) {
            let fresh = self.isFresh
            let registered = self.state.withLock { state -> Bool in
                guard state.decide(lsn, fresh: fresh) == nil else { return false }
                state.waiters.append((lsn, decided))
                return true
            }
            if registered { return }
        }
        decided()
    }

    /// Changes the state and wakes the waiters `wake` picks (all by default), outside the lock.
    private func update(wakeAll: Bool = true, _ change: (inout State) -> Void) {
        let woken = self.state.withLock { state -> [@Sendable () -> Void] in
            change(&state)
            let acked = state.acked
            let (ready, rest) =
                wakeAll
                ? (state.waiters, [])
                : (state.waiters.filter { $0.lsn <= acked }, state.waiters.filter { $0.lsn > acked })
            state.waiters = rest
            return ready.map(\.decided)
        }
        for decided in woken { decided() }
    }

    // MARK: What the cluster node tells it

    /// The lease was renewed by a request sent at `sentNs` (`nowNs` then; now by default): the lease runs
    /// from when etcd took it, which is later.
    public func renewed(at sentNs: Int64? = nil) {
        let wasFresh = self.isFresh
        let at = sentNs ?? self.nowNs
        if self.renewedNs.load(ordering: .acquiring) < at { self.renewedNs.store(at, ordering: .releasing) }
        if !wasFresh { self.update { _ in } }
    }

    /// Nanoseconds since the last renewal.
    public var sinceRenewalNs: Int64 { self.nowNs - self.renewedNs.load(ordering: .acquiring) }

    /// The node serves as primary from now on, its changes acknowledged by itself alone until the standby is in sync
    /// (`standbyInSync`); after `acked` (what it has of the log, which its own log and the standby's agree on).
    public func serve(from acked: LSN) {
        self.renewed()
        self.update {
            $0.role = .serving
            $0.requireAck = false
            $0.acked = acked
        }
    }

    /// The standby is in sync (or not): while it is, changes wait for its acknowledgement.
    public func standbyInSync(_ inSync: Bool) { self.update { $0.requireAck = inSync } }

    /// True while this node serves as primary.
    public var isServing: Bool {
        self.state.withLock {
            if case .serving = $0.role { return true }
            return false
        }
    }

    /// True when the change of `lsn` waits for the standby's acknowledgement.
    func awaitsAcknowledgement(of lsn: LSN) -> Bool {
        self.state.withLock { $0.requireAck && $0.acked < lsn }
    }

    /// True while changes wait for the standby's acknowledgement.
    public var waitsForStandby: Bool { self.state.withLock { $0.requireAck } }

    /// The standby has the log durable through `lsn`.
    public func acknowledged(through lsn: LSN) {
        self.update(wakeAll: false) { $0.acked = max($0.acked, lsn) }
    }

    /// The last LSN the standby acknowledged.
    public var acknowledgedLSN: LSN { self.state.withLock { $0.acked } }

    /// The node no longer serves: every change still waiting gets `refusal` (it may or may not survive on the new
    /// primary), and later changes wait until it serves again.
    public func stepDown(_ refusal: SeatError) {
        self.update {
            $0.role = .steppedDown(refusal)
            $0.requireAck = false
        }
    }

    /// The node is a standby (or joining): its log is durable once written here (the primary acknowledges clients).
    public func follow() {
        self.update {
            $0.role = .following
            $0.requireAck = false
        }
    }
}

extension ReplicationGate.State {
    /// Where a change of `lsn`, durable in the local log, stands; nil while it must wait.
    func decide(_ lsn: LSN, fresh: Bool) -> Durability? {
        switch self.role {
        case .following: return .durable
        case .steppedDown(let refusal): return .lost(refusal)
        case .serving: return fresh && (!self.requireAck || self.acked >= lsn) ? .durable : nil
        }
    }
}
