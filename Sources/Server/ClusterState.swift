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

    let settings: ClusterSettings
    let gate: ReplicationGate
    private let info = Mutex(Info())
    /// Carries out CLUSTER FAILOVER (set by the cluster node): the epoch this node then serves.
    /// (In a struct: a closure read from a `Mutex` through `inout` is re-wrapped in thunks at each read.)
    private let failoverAction = Mutex<FailoverAction?>(nil)

    struct FailoverAction: Sendable {
        let run: @Sendable () async throws(SeatError) -> Int64
    }

    init(settings: ClusterSettings, gate: ReplicationGate) {
        self.settings = settings
        self.gate = gate
    }

    var current: Info { self.info.withLock { $0 } }

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

    /// What a request gets instead of being carried out here: `ERR MOVED` to the primary on a standby, `ERR
    /// TRYAGAIN` while no primary is known or while this primary cannot acknowledge; nil when it is carried out.
    /// PING, AUTH, QUIT and the CLUSTER commands are answered by every node.
    func referral(for request: Request) -> Response? {
        switch request {
        case .ping, .auth, .quit, .clusterInfo, .clusterFailover: return nil
        default: break
        }
        let info = self.current
        if info.role == .primary {
            // A primary handing over (no primary known) or with a stale lease takes nothing new.
            guard info.primary != nil, self.gate.isServing, self.gate.isFresh else {
                return .error(.tryAgain, "\(self.retryMs)")
            }
            return nil
        }
        guard let primary = info.primary else { return .error(.tryAgain, "\(self.retryMs)") }
        return .error(.moved, "\(Self.slot(of: request)) \(primary)")
    }

    /// The slot a request belongs to: `crc32c(session id) mod 1024`, or 0 for a request without a session.
    static func slot(of request: Request) -> Int {
        let session: String?
        switch request {
        case .session(let id, _), .dropSession(let id): session = id
        case .createSession(let id, _, _, _, _, _, _, _): session = id
        case .watch(let id, _): session = id
        default: session = nil
        }
        return session.map { Int(CRC32C.checksum(Array($0.utf8)) % 1_024) } ?? 0
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
