import Configuration

/// The `tls.*` settings, each checked. The files are read (and the key matched to the certificate) when the server
/// starts, by `TLSContextStore`.
extension SeatdConfig {
    static func tls(_ read: Reader, roles: [String]) throws -> TLSSettings? {
        let port = try read.optionalString("tls.port")
        let cert = try read.optionalString("tls.cert")
        let key = try read.optionalString("tls.key")
        let clientCA = try read.optionalString("tls.client_ca")
        let only = try read.bool("tls.only", false)
        guard port != nil || cert != nil || key != nil else {
            for (name, set) in [
                ("tls.client_ca", clientCA != nil), ("tls.client_roles", !roles.isEmpty), ("tls.only", only),
            ]
            where set {
                throw Invalid("\(Reader.name(ConfigKey(name))) needs TLS on: set tls.port, tls.cert and tls.key")
            }
            return nil
        }
        guard let cert, let key, port != nil else {
            throw Invalid(
                "tls.port, tls.cert and tls.key (SEATD_TLS_PORT, SEATD_TLS_CERT, SEATD_TLS_KEY) go together: "
                    + "set all three to turn TLS on")
        }
        var settings = TLSSettings(
            port: try read.int("tls.port", 0, 0...65_535), certPath: cert, keyPath: key, clientCAPath: clientCA)
        settings.clientRoles = try TLSSettings.clientRoles(roles)
        guard settings.clientRoles.isEmpty || clientCA != nil else {
            throw Invalid(
                "tls.client_roles (SEATD_TLS_CLIENT_ROLES) needs tls.client_ca: only a verified certificate may "
                    + "grant a role")
        }
        settings.only = only
        return settings
    }
}
