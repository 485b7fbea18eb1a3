/// What a cluster node's reply means to a client that follows the cluster (protocol 1.2): a redirect to the
/// shard's primary, a request to wait and send again, a failure of the log, or an answer to the request itself.
/// A single node never sends MOVED or TRYAGAIN, so every reply of one is an answer (or UNAVAILABLE).
enum ClusterReply: Equatable, Sendable {
    /// `ERR MOVED <slot> <host:port>`: this node is not the primary; send the request there.
    case moved(slot: Int, address: Target)
    /// `ERR TRYAGAIN <ms>`: no primary is known (a takeover is under way), or the primary's lease is stale; wait
    /// `delayMs` (capped at `tryAgainDelayMsMax`) and send the request again. A change may or may not have happened.
    case tryAgain(delayMs: Int)
    /// `ERR UNAVAILABLE ...`: the node's log failed; a change may or may not have happened.
    case unavailable
    /// Any other reply: the answer to the request.
    case answer

    /// The longest wait a TRYAGAIN can ask for: a server that asks for more is waited on for this long.
    static let tryAgainDelayMsMax = 1_000
    /// The wait for a TRYAGAIN without a (valid) delay.
    static let tryAgainDelayMsDefault = 100

    init(_ reply: Substring) {
        guard reply.hasPrefix("ERR ") else {
            self = .answer
            return
        }
        let tokens = reply.split(separator: " ", maxSplits: 4)
        switch tokens.count >= 2 ? tokens[1] : "" {
        case "MOVED":
            guard tokens.count >= 4, let slot = Int(tokens[2]), slot >= 0,
                let address = Target(argument: String(tokens[3])), address.kind == .seatd
            else {
                self = .answer
                return
            }
            self = .moved(slot: slot, address: address)
        case "TRYAGAIN":
            let asked = tokens.count >= 3 ? Int(tokens[2]).flatMap { $0 >= 0 ? $0 : nil } : nil
            self = .tryAgain(delayMs: min(asked ?? Self.tryAgainDelayMsDefault, Self.tryAgainDelayMsMax))
        case "UNAVAILABLE":
            self = .unavailable
        default:
            self = .answer
        }
    }
}
