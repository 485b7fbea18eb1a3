import ArgumentParser
import SeatdTestSupport

/// `--tls` and its companions for the commands that load one seatd (steady, rush, open): the target's port is then
/// seatd's `tls.port`. The server's certificate is checked against `--tls-ca` (or the system's CAs) unless
/// `--tls-insecure` says otherwise, explicitly.
struct TLSOptions: ParsableArguments {
    @Flag(help: "Speak TLS to the target (seatd's tls.port).")
    var tls = false
    @Option(help: "PEM CA certificates the server's certificate must chain to (default: the system's).")
    var tlsCa: String?
    @Option(help: "PEM client certificate to show (a seatd with tls.client_ca asks for one).")
    var tlsCert: String?
    @Option(help: "PEM private key of --tls-cert.")
    var tlsKey: String?
    @Flag(help: "Do not check the server's certificate at all (tests only).")
    var tlsInsecure = false

    func validate() throws {
        guard self.tls || (self.tlsCa == nil && self.tlsCert == nil && self.tlsKey == nil && !self.tlsInsecure) else {
            throw ValidationError("--tls-ca, --tls-cert, --tls-key and --tls-insecure need --tls")
        }
        guard (self.tlsCert == nil) == (self.tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        guard self.tlsCa == nil || !self.tlsInsecure else {
            throw ValidationError("--tls-insecure checks no certificate: it makes --tls-ca pointless")
        }
    }

    /// `target` with its TLS client, when `--tls` is given.
    func applied(to target: Target) throws -> Target {
        guard self.tls else { return target }
        var target = target
        target.tls = try ClientTLS(
            caPath: self.tlsCa, certPath: self.tlsCert, keyPath: self.tlsKey, insecure: self.tlsInsecure,
            host: target.host)
        return target
    }
}
