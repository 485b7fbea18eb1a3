/// `/v3/lease/grant`, `/v3/lease/keepalive` and `/v3/lease/revoke`.
extension Wire {
    /// `POST /v3/lease/grant`: `{"TTL": "3", "ID": "0"}` (ID 0: etcd picks one).
    struct LeaseGrantRequest: Encodable {
        var ttl: String
        var id = "0"

        private enum CodingKeys: String, CodingKey {
            case ttl = "TTL"
            case id = "ID"
        }

        init(ttlSeconds: Int64) {
            self.ttl = Wire.int64(ttlSeconds)
        }
    }

    /// The reply to a grant: `{"ID": "...", "TTL": "3"}`, with `error` set when etcd refused.
    struct LeaseGrantResponse: Decodable {
        var id: Int64
        var ttlSeconds: Int64
        var error: String

        private enum CodingKeys: String, CodingKey {
            case id = "ID"
            case ttlSeconds = "TTL"
            case error
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.id = try container.int64(.id)
            self.ttlSeconds = try container.int64(.ttlSeconds)
            self.error = try container.string(.error)
        }
    }

    /// `POST /v3/lease/keepalive` and `POST /v3/lease/revoke`: `{"ID": "..."}`.
    struct LeaseIDRequest: Encodable {
        var id: String

        private enum CodingKeys: String, CodingKey {
            case id = "ID"
        }

        init(id: Int64) {
            self.id = Wire.int64(id)
        }
    }

    /// The keepalive stream's one object: `{"result": {"ID", "TTL"}}`, no `TTL` when the lease is gone, or an
    /// `error`.
    struct LeaseKeepAliveMessage: Decodable {
        var ttlSeconds: Int64
        var error: StreamError?

        private enum CodingKeys: String, CodingKey {
            case result, error
        }

        private enum ResultKeys: String, CodingKey {
            case ttlSeconds = "TTL"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.error = try container.decodeIfPresent(StreamError.self, forKey: .error)
            guard container.contains(.result) else {
                self.ttlSeconds = 0
                return
            }
            let result = try container.nestedContainer(keyedBy: ResultKeys.self, forKey: .result)
            self.ttlSeconds = try result.int64(.ttlSeconds)
        }
    }
}
