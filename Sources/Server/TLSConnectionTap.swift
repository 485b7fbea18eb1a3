import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// The role a verified client certificate grants (`tls.client_roles`), sent down a TLS connection's pipeline once
/// the handshake is done, before any request is read: the `ConnectionHandler` starts from it as if AUTH had
/// granted it.
struct TLSClientRole: Sendable {
    let role: Role
}

/// Sits behind the `NIOSSLServerHandler` of a client connection: once the handshake completes it names the role the
/// client certificate grants, if any; it logs a failed handshake (a client certificate not signed by `client_ca`,
/// a plain-text client) and keeps that error, like a peer that closes without TLS's close_notify, from reaching the
/// connection handler: the first is closed by NIOSSL already, the second is an end of input like any other.
final class TLSConnectionTap: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let store: TLSContextStore
    private let logger: Logger

    init(store: TLSContextStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case TLSUserEvent.handshakeCompleted = event else { return context.fireUserInboundEventTriggered(event) }
        context.fireUserInboundEventTriggered(event)
        guard let certificate = try? context.pipeline.syncOperations.nioSSL_peerCertificate() else { return }
        let commonName = certificate.subjectName.first { $0.type == .commonName }?.value
        guard let commonName, let role = self.store.role(ofCommonName: commonName) else {
            self.logger.debug("client certificate grants no role", metadata: ["cn": "\(commonName ?? "-")"])
            return
        }
        self.logger.debug("client certificate", metadata: ["cn": "\(commonName)", "role": "\(role.rawValue)"])
        context.fireUserInboundEventTriggered(TLSClientRole(role: role))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case NIOSSLError.uncleanShutdown:
            return
        case NIOSSLError.handshakeFailed(let reason):
            // Debug level: a stranger can fail handshakes as often as it likes.
            self.logger.debug("TLS handshake failed", metadata: ["error": "\(reason)"])
        default:
            context.fireErrorCaught(error)
        }
    }
}
