import ArgumentParser
import NIOCore
import SeatdTestSupport

/// Where the load goes: `seatd://host:port` (the default scheme when none is given) or `redis://host:port` (a
/// Redis server running `redis/seats.lua`, the same booking semantics as one script).
struct Target: ExpressibleByArgument, CustomStringConvertible, Sendable, Equatable {
    enum Kind: String, Sendable, Equatable { case seatd, redis }

    var kind: Kind
    var host: String
    var port: Int
    /// Set by `--tls` (`TLSOptions`): connections speak TLS.
    var tls: ClientTLS? = nil

    init?(argument: String) {
        var rest = Substring(argument)
        var kind = Kind.seatd
        if let separator = rest.range(of: "://") {
            guard let parsed = Kind(rawValue: String(rest[..<separator.lowerBound])) else { return nil }
            kind = parsed
            rest = rest[separator.upperBound...]
        }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
            (1...65_535).contains(port), colon > rest.startIndex
        else { return nil }
        self.kind = kind
        self.host = String(rest[..<colon])
        self.port = port
    }

    var description: String { "\(self.kind.rawValue)://\(self.host):\(self.port)\(self.tls == nil ? "" : " (TLS)")" }

    /// The address to connect to. An IP literal needs no name resolution: NIO resolves names on a Dispatch queue,
    /// which a busy machine (every thread of the pool working) can leave waiting past the connect timeout.
    func address() throws -> SocketAddress {
        if let literal = try? SocketAddress(ipAddress: self.host, port: self.port) { return literal }
        return try SocketAddress.makeAddressResolvingHost(self.host, port: self.port)
    }
}
