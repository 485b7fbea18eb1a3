/// Every bound the etcd client enforces, with its reason.
public enum EtcdLimits {
    /// Bytes in one reply of a unary call: a prefix read of seatd's keys is a few kilobytes; a reply this large
    /// means a wrong prefix, and reading it whole would only use memory.
    public static let replyBytesMax = 16 * 1024 * 1024
    /// Bytes in one JSON object of a watch stream: etcd caps a request at 1.5 MiB by default, so one event batch
    /// of base64 values stays well under this.
    public static let watchObjectBytesMax = 16 * 1024 * 1024
    /// Bytes of an error reply's body kept for `EtcdError.http`: enough for etcd's JSON error, not for a page.
    public static let errorBodyBytesMax = 64 * 1024
}
