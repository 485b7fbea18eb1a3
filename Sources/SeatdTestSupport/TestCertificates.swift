import Crypto
import Foundation
import SwiftASN1
import X509

/// Certificates made in memory for the TLS tests and written as PEM files: a CA, and leaf certificates it signs
/// (a server's for localhost and 127.0.0.1, a client's with a common name). Nothing is fetched or kept.
public struct TestCertificateAuthority: Sendable {
    public let name: String
    let key: P256.Signing.PrivateKey
    let certificate: Certificate

    /// A PEM certificate and its key, written to `certPath` and `keyPath`.
    public struct Issued: Sendable {
        public let certPath: String
        public let keyPath: String
        /// The certificate's serial number, to tell one certificate from the next.
        public let serial: String
    }

    public init(name: String) throws {
        self.name = name
        self.key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        self.certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(self.key.publicKey),
            notValidBefore: Date() - 3_600, notValidAfter: Date() + 86_400, issuer: subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
            },
            issuerPrivateKey: .init(self.key))
    }

    /// Writes the CA's certificate to `path`.
    public func writeCertificate(to path: String) throws {
        try self.certificate.serializeAsPEM().pemString.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// A leaf certificate for `commonName` (valid for localhost and 127.0.0.1, as a server and as a client), its
    /// key, written under `directory` as `<file>.pem` and `<file>.key`; `chain` appends the CA's certificate.
    public func issue(
        commonName: String, in directory: String, file: String, chain: Bool = false
    ) throws -> Issued {
        let key = P256.Signing.PrivateKey()
        let serial = Certificate.SerialNumber()
        let leaf = try Certificate(
            version: .v3, serialNumber: serial, publicKey: .init(key.publicKey),
            notValidBefore: Date() - 3_600, notValidAfter: Date() + 86_400,
            issuer: self.certificate.subject, subject: try DistinguishedName { CommonName(commonName) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                SubjectAlternativeNames([
                    .dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                ])
            },
            issuerPrivateKey: .init(self.key))
        var pem = try leaf.serializeAsPEM().pemString + "\n"
        if chain { pem += try self.certificate.serializeAsPEM().pemString + "\n" }
        let issued = Issued(
            certPath: directory + "/" + file + ".pem", keyPath: directory + "/" + file + ".key",
            serial: "\(serial)")
        try pem.write(toFile: issued.certPath, atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(toFile: issued.keyPath, atomically: true, encoding: .utf8)
        return issued
    }
}
