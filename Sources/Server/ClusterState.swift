import Etcd
import Logging
import SeatActors
import Store
import Synchronization
import WAL

/// What a cluster node is now, as requests see it: its role in its shard, the shard's epoch, where the primary is.
/// The cluster node (`ClusterNode`) changes it; the dispatcher reads it for every request (`referral(for:)`) and
/// for `CLUSTER INFO`.
final class ClusterState: Sendable {
    enum Role: String, Sendable {
        case primary, standby, joining
    }

    struct Info: Sendable, Equatable {
        var role = Role.joining
        /// The epoch this node serves (a primary) or follows (a standby), 0 before it knows one.
        var epoch: Int64 = 0
        /// Where clients reach the shard's primary, nil while none is known (a takeover under way).
        var primary: String? = nil
        /// A standby: true while the primary's record in etcd says it is in sync.
        var inSync = false
        /// A primary: true while a standby is connected.
        var standbyAttached = false
    }

    /// Which shard serves each slot, and where each shard's primary is: the layout's ranges (fixed once read) and
    /// the leader keys of the other shards (`ClusterNode.watchRoutes`).
    struct Routes: Sendable {
        /// The layout's ranges; empty until the layout is read.
        var ranges: [ClusterLayout.SlotRange] = []
        /// Per slot, its shard's index in `ranges`' shards (`shards`).
        var owner: [UInt16] = []
        /// The shards, in layout order, and where clients reach each one's primary (nil: none known).
        var shards: [String] = []
        var primaries: [String?] = []
        /// This node's shard's index in `shards`.
        var own = 0

        /// Whether `slot` is served by another shard than this node's.
        func isForeign(_ slot: Int) -> Bool { !self.owner.isEmpty && Int(self.owner[slot]) != self.own }

        /// The first slot of this node's shard (the slot a MOVED of a request without a session names).
        var ownFirstSlot: Int {
            self.ranges.first { $0.shard == self.shards[self.own] }?.first ?? 0
        }
    }

    let settings: ClusterSettings
    let gate: ReplicationGate
    /// This node's etcd client (the cluster node's leases and keys, and the catalog).
    let etcd: EtcdClient
    /// The cluster's halls.
    let catalog: HallCatalog
    private let info = Mutex(Info())
    private let routes = Mutex(Routes())
    /// Carries out CLUSTER FAILOVER (set by the cluster node): the epoch this node then serves.
    /// (In a struct: a closure read from a `Mutex` through `inout` is re-wrapped in thunks at each read.)
    private let failoverAction = Mutex<FailoverAction?>(nil)

    struct FailoverAction: Sendable {
        let run: @Sendable () async throws(SeatError) -> Int64
    }

    init(settings: ClusterSettings, gate: ReplicationGate, registry: Registry) {
        self.settings = settings
        self.gate = gate
        self.etcd = EtcdClient(endpoints: settings.etcd, logger: Logger(label: "seatd.etcd"))
        self.catalog = HallCatalog(
            etcd: self.etcd, name: settings.name, registry: registry, logger: Logger(label: "seatd.cluster"))
    }

    var current: Info { self.info.withLock { $0 } }

    /// Reads the layout's slot ranges; from now on, requests for another shard's sessions are referred there.
    func use(ranges: [ClusterLayout.SlotRange], shards: [String]) {
        var owner = [UInt16](repeating: 0, count: ClusterLayout.slotCount)
        for range in ranges {
            let index = UInt16(shards.firstIndex(of: range.shard) ?? 0)
            for slot in range.first...range.last { owner[slot] = index }
        }
        self.routes.withLock {
            $0 = Routes(
                ranges: ranges, owner: owner, shards: shards, primaries: Array(repeating: nil, count: shards.count),
                own: shards.firstIndex(of: self.settings.shard) ?? 0)
        }
    }

    /// Where clients reach `shard`'s primary now (nil: none known).
    func route(shard: String, primary: String?) {
        self.routes.withLock { routes in
            if let index = routes.shards.firstIndex(of: shard) { routes.primaries[index] = primary }
        }
    }

    var currentRoutes: Routes { self.routes.withLock { $0 } }

    func update(_ change: (inout Info) -> Void) { self.info.withLock { change(&$0) } }

    func onFailover(_ action: @escaping @Sendable () async throws(SeatError) -> Int64) {
        self.failoverAction.withLock { $0 = FailoverAction(run: action) }
    }

    /// CLUSTER FAILOVER: hands the shard to this node (an in-sync standby); the epoch it then serves.
    func failover() async throws(SeatError) -> Int64 {
        guard let action = self.failoverAction.withLock({ $0 }) else { throw .tryAgain(ms: 500) }
        return try await action.run()
    }

    /// The milliseconds a client is asked to wait (`ERR TRYAGAIN <ms>`): short, since a takeover or a handover
    /// ends at an unknown moment and a client that waits longer than it needs adds that to the failover's time.
    var retryMs: Int { 100 }

    /// What a request gets instead of being carried out here: `ERR MOVED` to the primary of another shard for
    /// its sessions, and to this shard's primary on a standby; `ERR TRYAGAIN` while that primary is not known or
    /// while this primary cannot acknowledge; nil when it is carried out. PING, AUTH, QUIT and the CLUSTER commands
    /// are answered by every node; the other requests without a session by every primary.
    func referral(for request: Request) -> Response? {
        let session: String?
        switch request {
        case .ping, .auth, .quit, .clusterInfo, .clusterFailover, .clusterSlots: return nil
        case .session(let id, _), .dropSession(let id): session = id
        case .createSession(let id, _, _, _, _, _, _, _): session = id
        case .watch(let id, _): session = id
        case .createHall, .hall, .halls, .sessions, .stats, .snapshot: session = nil
        }
        if let session {
            let slot = Self.slot(of: session)
            let foreign: Response?? = self.routes.withLock { routes in
                guard routes.isForeign(slot) else { return .none }
                guard let primary = routes.primaries[Int(routes.owner[slot])] else {
                    return .some(.error(.tryAgain, "\(self.retryMs)"))
                }
                return .some(.error(.moved, "\(slot) \(primary)"))
            }
            if let foreign { return foreign }
            return self.ownShardReferral(slot: slot)
        }
        return self.ownShardReferral(slot: nil)
    }

    /// The referral of a request of this node's shard (`slot`) or of none (nil).
    private func ownShardReferral(slot: Int?) -> Response? {
        let (role, primary) = self.info.withLock { ($0.role, $0.primary) }
        if role == .primary {
            // A primary handing over (no primary known) or with a stale lease takes nothing new.
            guard primary != nil, self.gate.isServing, self.gate.isFresh else {
                return .error(.tryAgain, "\(self.retryMs)")
            }
            return nil
        }
        guard let primary else { return .error(.tryAgain, "\(self.retryMs)") }
        return .error(.moved, "\(slot ?? self.routes.withLock { $0.ownFirstSlot }) \(primary)")
    }

    /// A session's slot: `crc32c(session id) mod 1024`.
    static func slot(of session: String) -> Int {
        var id = session
        return id.withUTF8 { Int(CRC32C.checksum($0) % UInt32(ClusterLayout.slotCount)) }
    }

    /// The reply to CLUSTER SLOTS: `OK <first>-<last>=<shard>@<host:port>|- ...`, every range in slot order.
    var slotsLine: String {
        let routes = self.currentRoutes
        let own = self.current.primary
        return Reply.ok(
            list: routes.ranges.map { range in
                let index = routes.shards.firstIndex(of: range.shard) ?? 0
                let primary = index == routes.own ? own : routes.primaries[index]
                return "\(range.first)-\(range.last)=\(range.shard)@\(primary ?? "-")"
            })
    }

    /// The reply to CLUSTER INFO, with `lsn` this node's last LSN.
    func infoLine(lsn: LSN) -> String {
        let info = self.current
        let replication: String
        let standbyLSN: String
        switch info.role {
        case .primary:
            replication = info.inSync ? self.settings.replication.rawValue : "out-of-sync"
            standbyLSN = info.standbyAttached ? "\(self.gate.acknowledgedLSN)" : "-"
        case .standby, .joining:
            replication = info.inSync && info.role == .standby ? self.settings.replication.rawValue : "out-of-sync"
            standbyLSN = "-"
        }
        return Reply.ok(
            "node=\(self.settings.node)", "shard=\(self.settings.shard)", "role=\(info.role.rawValue)",
            "epoch=\(info.epoch)", "replication=\(replication)", "lsn=\(lsn)", "standby_lsn=\(standbyLSN)")
    }
}
