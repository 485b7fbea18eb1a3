import Foundation
import Yams

/// The shape of the configuration file, checked before any value is read: swift-configuration reads a key of the
/// wrong shape as absent, so `auth: tokens: "admin:x"` (a string, not a list) would have meant auth off. Every key
/// the file may hold is listed here; an unknown key (a misspelt `auth:` section) is an error too.
extension SeatdConfig {
    indirect enum Shape {
        /// One value: a string, number or boolean.
        case scalar
        /// A list of scalars.
        case list
        /// A map of these keys.
        case section([String: Shape])

        var name: String {
            switch self {
            case .scalar: "a single value"
            case .list: "a list of values"
            case .section(let keys): "a section (keys: \(keys.keys.sorted().joined(separator: ", ")))"
            }
        }
    }

    /// Every key of `config/seatd.yaml`.
    static let fileShape = Shape.section([
        "host": .scalar, "port": .scalar, "allow_open": .scalar, "data": .scalar, "fsync": .scalar, "threads": .scalar,
        "auth": .section(["tokens": .list]),
        "halls": .list,
        "limits": .section([
            "line_bytes": .scalar, "seats_per_hold": .scalar, "keys_per_session": .scalar, "connections": .scalar,
            "pipeline": .scalar,
            "watch_buffer_bytes": .scalar, "idle_timeout_s": .scalar, "drain_grace_ms": .scalar,
            "auth_timeout_ms": .scalar, "unauthenticated": .scalar, "connections_per_ip": .scalar,
            "auth_failures": .scalar,
        ]),
        "snapshot": .section(["every_records": .scalar, "every_seconds": .scalar]),
        "events": .section([
            "retain_per_session": .scalar, "nats": .scalar, "nats_subject": .scalar, "nats_stream": .scalar,
            "nats_in_flight": .scalar,
        ]),
        "metrics": .section(["host": .scalar, "port": .scalar]),
        "http": .section([
            "host": .scalar, "port": .scalar, "metrics_auth": .scalar, "max_streams": .scalar,
            "max_connections": .scalar,
            "tls": .scalar,
        ]),
        "tls": .section([
            "port": .scalar, "cert": .scalar, "key": .scalar, "client_ca": .scalar, "client_roles": .list,
            "only": .scalar,
        ]),
        "log": .section([
            "level": .scalar, "slow_fsync_ms": .scalar, "segment_bytes": .scalar, "commit_delay_us": .scalar,
        ]),
        "cluster": .section([
            "etcd": .scalar, "name": .scalar, "node": .scalar, "shard": .scalar, "advertise": .scalar,
            "replication_listen": .scalar, "lease_ttl_s": .scalar, "replication": .scalar, "secret": .scalar,
        ]),
    ])

    /// Throws `Invalid` naming the first key of the file at `path` whose value has the wrong shape, or is unknown.
    static func checkShape(ofFile path: String) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw Invalid("cannot read the config file (\(path)): \(StartupError.reason(error, path: path))")
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw Invalid("the config file (\(path)) is not YAML: \(StartupError.reason(error))")
        }
        guard let root else { return }
        try Self.check(root, against: Self.fileShape, at: nil, file: path)
    }

    private static func check(_ node: Node, against shape: Shape, at key: String?, file: String) throws {
        func wrong() -> Invalid {
            Invalid(
                "config file (\(file)): \(key ?? "the top level") must be \(shape.name), not \(Self.kind(of: node))")
        }
        // An empty section or list (`auth:` with nothing under it) is the same as leaving it out.
        if node.null != nil, key != nil, !Self.isScalar(shape) { return }
        switch (shape, node) {
        case (.scalar, .scalar):
            guard node.null == nil else { throw Invalid("config file (\(file)): \(key!) has no value") }
        case (.list, .sequence(let items)):
            for (index, item) in items.enumerated() {
                guard case .scalar = item, item.null == nil else {
                    throw Invalid(
                        "config file (\(file)): \(key!)[\(index)] must be a single value, not \(Self.kind(of: item))")
                }
            }
        case (.section(let keys), .mapping(let mapping)):
            for (name, value) in mapping {
                guard let text = name.string, let inner = keys[text] else {
                    let full = [key, name.string ?? "?"].compactMap { $0 }.joined(separator: ".")
                    throw Invalid(
                        "config file (\(file)): unknown key \(full) (known here: \(keys.keys.sorted().joined(separator: ", ")))"
                    )
                }
                try Self.check(
                    value, against: inner, at: [key, text].compactMap { $0 }.joined(separator: "."), file: file)
            }
        default:
            throw wrong()
        }
    }

    private static func isScalar(_ shape: Shape) -> Bool {
        if case .scalar = shape { return true }
        return false
    }

    private static func kind(of node: Node) -> String {
        switch node {
        case .scalar: node.null != nil ? "empty" : "a single value"
        case .sequence: "a list"
        case .mapping: "a map"
        case .alias: "an alias"
        }
    }
}
