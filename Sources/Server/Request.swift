import SeatActors

/// One request of the seatd line protocol, version 1.1 (`docs/protocol.md`).
public enum Request: Sendable, Equatable {
    case ping
    case auth(token: String)
    case createHall(id: String, rows: [RowSpec], parts: [HallPart] = [])
    case createSession(
        id: String, hall: String, ttlSeconds: Int?, maxTTLSeconds: Int?, limit: Int?, avoidsOrphans: Bool = false,
        graceSeconds: Int? = nil, keyTTLSeconds: Int? = nil)
    /// HALL <hall> (since 1.1): the hall's parts.
    case hall(String)
    /// HALLS (since 1.1).
    case halls
    /// SESSIONS [<hall>] (since 1.1).
    case sessions(hall: String?)
    case dropSession(String)
    /// A request that one session's actor answers: the session's id and what it asks.
    case session(String, SessionRequest)
    /// nil: every session (`WATCH *`). `from` (since 1.1): first the retained events with seq >= from.
    case watch(session: String?, from: LSN? = nil)
    case stats
    case snapshot
    case quit
    /// CLUSTER INFO (since 1.2, cluster mode): this node's role in its shard.
    case clusterInfo
    /// CLUSTER FAILOVER (since 1.2, cluster mode, to an in-sync standby): take over from the primary now.
    case clusterFailover
    /// CLUSTER SLOTS (since 1.2, cluster mode): which shard serves each slot range, and where its primary is.
    case clusterSlots
}
