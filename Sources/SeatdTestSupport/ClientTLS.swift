import NIOCore
import NIOSSL

/// How a test or seat-load connection speaks TLS to seatd: the context (trusted CAs, an optional client
/// certificate) and the name the server's certificate is checked against (nil for an IP address: its IP
/// subject-alternative names are checked then). Equal when it is the same context.
public struct ClientTLS: Sendable, Equatable {
    public let context: NIOSSLContext
    public let serverHostname: String?

    /// A client that trusts the CAs in `caPath` (nil: the system's), shows `certPath`/`keyPath` when given, and
    /// checks nothing at all when `insecure`.
    public init(
        caPath: String?, certPath: String? = nil, keyPath: String? = nil, insecure: Bool = false, host: String
    ) throws {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caPath { configuration.trustRoots = .file(caPath) }
        if insecure { configuration.certificateVerification = .none }
        if let certPath, let keyPath {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certPath).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
        }
        self.context = try NIOSSLContext(configuration: configuration)
        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        self.serverHostname = isAddress ? nil : host
    }

    /// The handler that goes first in a connection's pipeline.
    public func handler() throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: self.context, serverHostname: self.serverHostname)
    }

    public static func == (lhs: ClientTLS, rhs: ClientTLS) -> Bool {
        lhs.context === rhs.context && lhs.serverHostname == rhs.serverHostname
    }
}
