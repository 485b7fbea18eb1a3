/// The TLS listener and the certificates (`tls.*` settings, `docs/configuration.md`). TLS is on when `tls.port`,
/// `tls.cert` or `tls.key` is set, and then all three must be. With `tls.client_ca` every TLS client must present a
/// certificate signed by it, and `tls.client_roles` may grant a certificate's common name a role without AUTH. In
/// cluster mode the replication port speaks TLS with the same certificate (`TLSContextStore`).
struct TLSSettings: Sendable, Equatable {
    /// The TLS listener's port, beside the plain `port`; 0 is any free port.
    var port: Int
    /// PEM file of the server's certificate, then any chain (intermediates, and in cluster mode without
    /// `client_ca`, the CA the nodes trust).
    var certPath: String
    /// PEM file of the certificate's private key.
    var keyPath: String
    /// PEM file of the CAs client certificates must be signed by; nil: no client certificates are asked for.
    var clientCAPath: String? = nil
    /// The role a verified client certificate's common name (CN) grants from the handshake on.
    var clientRoles: [String: Role] = [:]
    /// Serve TLS only: the plain `port` is not opened.
    var only = false

    /// Parses `<role>:<common name>` entries (`tls.client_roles`). Errors name the entry by position.
    static func clientRoles(_ entries: [String]) throws -> [String: Role] {
        var roles: [String: Role] = [:]
        for (index, entry) in entries.enumerated() {
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let role = Role(rawValue: String(parts[0])), !parts[1].isEmpty else {
                throw SeatdConfig.Invalid(
                    "tls.client_roles (SEATD_TLS_CLIENT_ROLES): entry \(index + 1) is not "
                        + "<admin|client|reader>:<certificate common name>")
            }
            guard roles.updateValue(role, forKey: String(parts[1])) == nil else {
                throw SeatdConfig.Invalid(
                    "tls.client_roles (SEATD_TLS_CLIENT_ROLES): entry \(index + 1) names \(parts[1]) a second time")
            }
        }
        return roles
    }
}
