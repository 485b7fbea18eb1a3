import NIOCore

/// The server's listeners: the plain `port` unless `tls.only`, and the TLS `tls.port` when TLS is on. Both serve
/// the same protocol through the same handlers (TLS adds `NIOSSLServerHandler` and `TLSConnectionTap` in front),
/// and both feed the same connection count, tracking and drain.
extension SeatServer {
    /// Binds every listener and returns the one whose closing closes them all: the plain one, or the TLS one when
    /// it is the only one. A graceful shutdown closes it, and so stops accepting on every port.
    func bindListeners() async throws -> any Channel {
        let host = self.settings.host
        guard let tls = self.settings.tls else {
            return try await Self.listening(on: "\(host):\(self.settings.port)", for: "the line protocol") {
                try await self.bind(port: self.settings.port, tls: nil)
            }
        }
        let secure = try await Self.listening(on: "\(host):\(tls.settings.port)", for: "the line protocol over TLS") {
            try await self.bind(port: tls.settings.port, tls: tls)
        }
        let tlsPort = secure.localAddress?.port ?? tls.settings.port
        self.logger.info(
            "listening with TLS",
            metadata: [
                "host": "\(host)", "tls_port": "\(tlsPort)",
                "client_certificates": "\(tls.settings.clientCAPath == nil ? "off" : "required")",
            ])
        if tls.settings.only { return secure }
        let plain: any Channel
        do {
            plain = try await Self.listening(on: "\(host):\(self.settings.port)", for: "the line protocol") {
                try await self.bind(port: self.settings.port, tls: nil)
            }
        } catch {
            try? await secure.close()
            throw error
        }
        plain.closeFuture.whenComplete { _ in secure.close(promise: nil) }
        secure.closeFuture.whenComplete { _ in plain.close(promise: nil) }
        return plain
    }
}
