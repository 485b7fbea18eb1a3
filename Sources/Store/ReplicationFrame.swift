import Crypto
import Foundation
import WAL

/// One message of the replication connection between a shard's primary and its standby (`docs/cluster.md`,
/// "Replication"). On the wire a frame is its body's length (u32), the CRC-32C of the body (u32), then the body: a
/// kind byte and the kind's fields (little-endian integers, varint-length strings and byte strings, as the log's
/// records are encoded).
///
/// | kind | frame | from | fields |
/// |---|---|---|---|
/// | 1 | challenge | primary | nonce (32 bytes) |
/// | 2 | hello | standby | cluster, shard, node, highest epoch accepted (u64), last durable LSN (u64), proof (32 bytes) |
/// | 3 | batch | primary | epoch (u64), first LSN (u64), time ms (i64), record count, each record's end, payload |
/// | 4 | ack | standby | epoch (u64), LSN durable on the standby (u64) |
/// | 5 | refused | either | reason |
/// | 6 | snapshot | primary | epoch (u64), LSN (u64), format version (u16), payload: the state the log continues from |
/// | 7 | handover | standby | epoch (u64): asks the primary of that epoch to hand the shard over (`CLUSTER FAILOVER`) |
public enum ReplicationFrame: Sendable, Equatable {
    /// The primary's first frame: a fresh nonce the standby proves the cluster's secret with.
    case challenge(nonce: [UInt8])
    /// Who the standby is, what it has, and its proof (`proof(secret:nonce:...)`).
    case hello(Hello)
    /// One batch of the primary's log, of epoch `epoch`.
    case batch(epoch: UInt64, LogBatch)
    /// The standby has the log durable through `lsn` (of epoch `epoch`).
    case ack(epoch: UInt64, lsn: LSN)
    /// The peer ends the connection, and says why.
    case refused(String)
    /// The primary's state at `lsn`, for a standby it cannot continue from its log: the standby replaces its own.
    case snapshot(epoch: UInt64, lsn: LSN, version: UInt16, payload: [UInt8])
    /// The standby asks the primary of `epoch` to hand over.
    case handover(epoch: UInt64)

    /// What a standby says of itself.
    public struct Hello: Sendable, Equatable {
        public var cluster: String
        public var shard: String
        public var node: String
        /// The highest epoch it has accepted batches of: a primary of an older one is refused.
        public var epoch: UInt64
        /// Its last durable LSN: the primary sends the log after it.
        public var lsn: LSN
        /// HMAC-SHA256 over the nonce and the fields above, keyed with `cluster.secret`.
        public var proof: [UInt8]

        public init(cluster: String, shard: String, node: String, epoch: UInt64, lsn: LSN, proof: [UInt8]) {
            self.cluster = cluster
            self.shard = shard
            self.node = node
            self.epoch = epoch
            self.lsn = lsn
            self.proof = proof
        }
    }

    /// The largest body a frame may have: a batch of the log's largest size and its record ends, with room. A
    /// standby reads its primary's frames with `snapshotBodyBytesMax`: a snapshot is one frame.
    public static let bodyBytesMax = Format.batchBytesMax + (1 << 20)
    public static let snapshotBodyBytesMax = 1 << 30
    /// Bytes before the body: its length and its CRC.
    public static let headerBytes = 8
    /// The length of a challenge's nonce and of a hello's proof.
    public static let nonceBytes = 32
}
