import Foundation

/// A TCP proxy in front of seatd, on threads of its own (blocking sockets): the first connection to carry a request
/// line forwards that line to seatd, waits for seatd's reply, and then closes the client's side without passing
/// the reply on, as a server that died mid-request would; every other connection is passed through both ways.
/// (The first connection that carries a request, not the first accepted: under load a client may give up on a
/// connection it opened and send its request on another.)
final class CuttingProxy: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let upstreamPort: Int
    private let lock = NSLock()
    private var cutDone = false
    private var dropped: [String] = []

    init(upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok, listen(fd, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
        self.listener = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { self.acceptLoop() }
    }

    /// The request lines whose replies the proxy kept from the client.
    var droppedRequests: [String] { self.lock.withLock { self.dropped } }

    func stop() { shutdown(self.listener, Int32(SHUT_RDWR)) }

    private func acceptLoop() {
        while true {
            let client = accept(self.listener, nil, nil)
            guard client >= 0 else { return }
            guard let upstream = try? self.connectUpstream() else {
                close(client)
                continue
            }
            Thread.detachNewThread { self.serve(client, upstream) }
        }
    }

    /// Reads the connection's first request line: the first such line of all is cut, any other is forwarded and
    /// the connection passed through.
    private func serve(_ client: Int32, _ upstream: Int32) {
        guard let request = Self.readLine(client) else {
            close(client)
            close(upstream)
            return
        }
        _ = request.withUnsafeBytes { write(upstream, $0.baseAddress, $0.count) }
        let cut = self.lock.withLock {
            defer { self.cutDone = true }
            return !self.cutDone
        }
        guard cut else {
            Thread.detachNewThread { Self.pump(from: client, to: upstream) }
            Self.pump(from: upstream, to: client)
            return
        }
        _ = Self.readLine(upstream)  // the reply: the change is carried out and durable
        self.lock.withLock { self.dropped.append(String(decoding: request.dropLast(), as: UTF8.self)) }
        close(client)
        close(upstream)
    }

    private static func readLine(_ fd: Int32) -> Data? {
        var line = Data()
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1 {
            line.append(byte)
            if byte == UInt8(ascii: "\n") { return line }
        }
        return nil
    }

    private static func pump(from source: Int32, to sink: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(source, &buffer, buffer.count)
            guard count > 0, buffer.withUnsafeBytes({ write(sink, $0.baseAddress, count) }) == count else { break }
        }
        shutdown(sink, Int32(SHUT_WR))
        shutdown(source, Int32(SHUT_RD))
    }

    private func connectUpstream() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: self.upstreamPort)
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard ok else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
        return fd
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }
}
