/// Everything that can go wrong talking to etcd's v3 JSON gateway, as one enum so that every call can use typed
/// throws and a caller can tell "nobody answered" (try later, maybe elsewhere) from "etcd said no" (look at it).
public enum EtcdError: Error, Sendable, Equatable {
    /// No endpoint answered: one line per endpoint tried, saying what went wrong there (connection refused, an
    /// unavailable member, ...).
    case unreachable([String])
    /// Every endpoint tried took longer than the per-call timeout; the associated value is the call's path.
    case timeout(String)
    /// etcd answered with an HTTP status other than 200. `code` is the gRPC code and `message` etcd's message when
    /// the body was etcd's JSON error (`{"error":..,"code":..,"message":..}`); otherwise `code` is nil and
    /// `message` is the body as text.
    case http(status: Int, code: Int?, message: String)
    /// A reply that is not the JSON the call expects (or is longer than the limit), with the decoder's words.
    case decoding(String)
    /// etcd cancelled a watch, usually because `fromRevision` was compacted away; the oldest revision it still
    /// has is `compactRevision` (0 when etcd did not say).
    case watchCanceled(reason: String, compactRevision: Int64)
    /// A watch's HTTP response ended, or the gateway's stream under it failed (the member is stopping, or lost its
    /// leader): watch again, from the last revision + 1, at any endpoint. `reason` says what happened.
    case watchEnded(reason: String)
    /// The calling task was cancelled.
    case cancelled
}
