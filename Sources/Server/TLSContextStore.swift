import Foundation
import NIOSSL
import Synchronization

/// The TLS contexts made from the `tls.*` files: the one every TLS listener (the client port, the replication port)
/// hands a new connection, and in cluster mode the one a standby dials its primary with. `reload()` (SIGHUP) reads
/// the files again and swaps both at once; a connection keeps the context it began with, so none is dropped. A
/// reload that fails keeps the contexts in use.
final class TLSContextStore: Sendable {
    let settings: TLSSettings
    /// True in cluster mode: the standby's context is made too, and its trust checked.
    let cluster: Bool
    private let contexts: Mutex<Contexts>

    struct Contexts: Sendable {
        /// For accepted connections: the certificate and key, and with `client_ca` the client certificate check.
        let server: NIOSSLContext
        /// For a standby's connection to its primary (cluster mode only).
        let replicationClient: NIOSSLContext?
    }

    /// A file that cannot be used, said in one sentence.
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    init(settings: TLSSettings, cluster: Bool) throws(Failure) {
        self.settings = settings
        self.cluster = cluster
        self.contexts = Mutex(try Self.load(settings, cluster: cluster))
    }

    var server: NIOSSLContext { self.contexts.withLock { $0.server } }
    var replicationClient: NIOSSLContext? { self.contexts.withLock { $0.replicationClient } }

    /// Reads the files again; new connections use the new contexts. Throws (and keeps the old ones) when a file
    /// cannot be used.
    func reload() throws(Failure) {
        let loaded = try Self.load(self.settings, cluster: self.cluster)
        self.contexts.withLock { $0 = loaded }
    }

    /// The role the client certificate with common name `commonName` is granted (`tls.client_roles`), if any.
    func role(ofCommonName commonName: String) -> Role? {
        self.settings.clientRoles[commonName]
    }

    /// The HTTP port's configuration (`http.tls`): the certificate and key alone. Browsers present no client
    /// certificate, and `/api` has its bearer tokens, so `tls.client_ca` does not apply there.
    static func serverConfiguration(_ settings: TLSSettings) throws(Failure) -> TLSConfiguration {
        let chain = try Self.certificates(settings.certPath, key: "tls.cert")
        let keyBytes = try Self.read(settings.keyPath, key: "tls.key")
        let key: NIOSSLPrivateKey
        do { key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem) } catch {
            throw Failure("tls.key: \(settings.keyPath) holds no PEM private key (unencrypted PKCS#8, RSA or EC)")
        }
        return TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    }

    static func load(_ settings: TLSSettings, cluster: Bool) throws(Failure) -> Contexts {
        let chain = try Self.certificates(settings.certPath, key: "tls.cert")
        let keyBytes = try Self.read(settings.keyPath, key: "tls.key")
        let key: NIOSSLPrivateKey
        do { key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem) } catch {
            throw Failure("tls.key: \(settings.keyPath) holds no PEM private key (unencrypted PKCS#8, RSA or EC)")
        }
        let clientCA = try settings.clientCAPath.map { path throws(Failure) in
            try Self.certificates(path, key: "tls.client_ca")
        }
        var server = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        if let clientCA {
            server.certificateVerification = .noHostnameVerification
            server.trustRoots = .certificates(clientCA)
        }
        let serverContext: NIOSSLContext
        do { serverContext = try NIOSSLContext(configuration: server) } catch {
            throw Failure(
                "tls.key: \(settings.keyPath) does not match the certificate in tls.cert \(settings.certPath) (\(error))"
            )
        }
        guard cluster else { return Contexts(server: serverContext, replicationClient: nil) }
        // The standby checks the primary's chain against client_ca, or else the CA at the end of tls.cert; not the
        // host name (the address comes from etcd, and a node's certificate names its client address).
        let trusted = clientCA ?? chain.filter { $0.subjectName == $0.issuerName }
        guard !trusted.isEmpty else {
            throw Failure(
                "tls in cluster mode: set tls.client_ca, or end tls.cert \(settings.certPath) with the CA "
                    + "certificate the nodes trust (the standby checks its primary's certificate against it)")
        }
        var client = TLSConfiguration.makeClientConfiguration()
        client.certificateChain = chain.map { .certificate($0) }
        client.privateKey = .privateKey(key)
        client.trustRoots = .certificates(trusted)
        client.certificateVerification = .noHostnameVerification
        do {
            return Contexts(server: serverContext, replicationClient: try NIOSSLContext(configuration: client))
        } catch {
            throw Failure("tls: cannot make the replication client's context from \(settings.certPath): \(error)")
        }
    }

    private static func read(_ path: String, key: String) throws(Failure) -> [UInt8] {
        do { return Array(try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            let reason = (error as NSError).localizedFailureReason ?? error.localizedDescription
            throw Failure("\(key): cannot read \(path): \(reason)")
        }
    }

    private static func certificates(_ path: String, key: String) throws(Failure) -> [NIOSSLCertificate] {
        let bytes = try Self.read(path, key: key)
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(bytes), !certificates.isEmpty else {
            throw Failure("\(key): \(path) holds no PEM certificate")
        }
        return certificates
    }
}
