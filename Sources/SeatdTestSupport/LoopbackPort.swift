import Foundation

/// Loopback ports for the tests: a free one (nothing listens there once this returns), and a socket that listens
/// but never accepts, so a request to it is never answered.
public enum LoopbackPort {
    /// A port the kernel just gave out and that is closed again: a connection to it is refused.
    public static func free() throws -> Int {
        let socket = try Self.bound()
        close(socket.fd)
        return socket.port
    }

    /// A port held closed for as long as `fd` is open: bound but not listening, so a connection to it is refused
    /// and no other test's server can be given it meanwhile (a port from `free()` can be). Close `fd` when done.
    public static func refusing() throws -> (fd: Int32, port: Int) {
        try Self.bound()
    }

    /// A listening socket that is never accepted from: the kernel completes connections into its backlog, takes
    /// the request bytes, and nothing ever answers. Close `fd` when done.
    public static func silent() throws -> (fd: Int32, port: Int) {
        let socket = try Self.bound()
        guard listen(socket.fd, 16) == 0 else {
            close(socket.fd)
            throw POSIXError(.EADDRINUSE)
        }
        return socket
    }

    private static func bound() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}
