import Configuration

/// The HTTP port (`http.*` settings, `docs/http.md`): the live seat-map page, its JSON and event streams,
/// `/health`, `/ready` and `/metrics`. Off unless `http.port` (or its older alias `metrics.port`) is set.
struct HTTPSettings: Sendable, Equatable {
    var host = "127.0.0.1"
    /// 0 is any free port (the log's `http listening` line names it).
    var port = 0
    /// `/metrics` needs a bearer token too (reader or above), like `/api`.
    var metricsAuth = false
    /// Event streams open at once; one more is refused with 503.
    var maxStreams = 256
    /// Connections open at once; past it the port accepts no more until one closes.
    var maxConnections = 1_024
    /// Serve HTTPS with the `tls.*` certificate and key.
    var tls = false

    /// A connection with no request in progress for this long is closed (an event stream is a request in progress).
    static let idleTimeoutSeconds: Int64 = 60

    /// The interval between the comment lines that keep an idle event stream open through proxies.
    static let heartbeatSeconds = 15
}

extension SeatdConfig {
    /// The `http.*` settings, with `metrics.host` and `metrics.port` as aliases of `http.host` and `http.port`
    /// (`metrics.port: 0` is off, as it always was; `http.port: 0` is any free port).
    static func http(_ read: Reader, tls: TLSSettings?) throws -> HTTPSettings? {
        var settings = HTTPSettings()
        let metricsPort = try read.int("metrics.port", 0, 0...65_535)
        if try read.optionalString("http.port") != nil {
            settings.port = try read.int("http.port", 0, 0...65_535)
        } else if metricsPort > 0 {
            settings.port = metricsPort
        } else {
            for key in ["http.host", "http.metrics_auth", "http.max_streams", "http.max_connections", "http.tls"]
            where try read.optionalString(ConfigKey(key)) != nil {
                throw Invalid("\(Reader.name(ConfigKey(key))) needs the HTTP port on: set http.port (SEATD_HTTP_PORT)")
            }
            return nil
        }
        settings.host = try read.optionalString("http.host") ?? read.string("metrics.host", settings.host)
        settings.metricsAuth = try read.bool("http.metrics_auth", false)
        settings.maxStreams = try read.int("http.max_streams", settings.maxStreams, 1...100_000)
        settings.maxConnections = try read.int("http.max_connections", settings.maxConnections, 1...1_000_000)
        settings.tls = try read.bool("http.tls", false)
        if settings.tls, tls == nil {
            throw Invalid("http.tls (SEATD_HTTP_TLS) needs tls.cert and tls.key: set tls.port, tls.cert and tls.key")
        }
        return settings
    }
}
