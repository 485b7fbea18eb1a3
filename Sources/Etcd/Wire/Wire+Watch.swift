import Foundation

/// `/v3/watch` and `/health`.
extension Wire {
    /// `POST /v3/watch`: `{"create_request": {"key", "range_end", "start_revision"}}`.
    struct WatchRequest: Encodable {
        var createRequest: Create

        /// The `WatchCreateRequest`; `start_revision` is left out for "from now on".
        struct Create: Encodable {
            var key: Data
            var rangeEnd: Data?
            var startRevision: String?

            private enum CodingKeys: String, CodingKey {
                case key
                case rangeEnd = "range_end"
                case startRevision = "start_revision"
            }
        }

        private enum CodingKeys: String, CodingKey {
            case createRequest = "create_request"
        }

        init(key: [UInt8], rangeEnd: [UInt8]?, fromRevision: Int64) {
            self.createRequest = Create(
                key: Data(key), rangeEnd: rangeEnd.map { Data($0) },
                startRevision: fromRevision > 0 ? Wire.int64(fromRevision) : nil)
        }
    }

    /// One object of the watch stream: `{"result": WatchResponse}` or `{"error": ..}`.
    struct WatchMessage: Decodable {
        var result: WatchResponse?
        var error: StreamError?
    }

    /// `etcdserverpb.WatchResponse`: the first has `created`, a cancelled watch has `canceled`, the rest `events`.
    struct WatchResponse: Decodable {
        var created: Bool
        var canceled: Bool
        var cancelReason: String
        var compactRevision: Int64
        var events: [WatchEvent]

        private enum CodingKeys: String, CodingKey {
            case created, canceled, events
            case cancelReason = "cancel_reason"
            case compactRevision = "compact_revision"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.created = try container.bool(.created)
            self.canceled = try container.bool(.canceled)
            self.cancelReason = try container.string(.cancelReason)
            self.compactRevision = try container.int64(.compactRevision)
            self.events = try container.list(.events, of: Event.self).map(\.event)
        }
    }

    /// `mvccpb.Event`: a PUT has no `type` (its zero value) and the whole kv; a DELETE the key and mod revision.
    struct Event: Decodable {
        var event: WatchEvent

        private enum CodingKeys: String, CodingKey {
            case type, kv
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let keyValue = try container.decode(KV.self, forKey: .kv).keyValue
            switch try container.decodeIfPresent(String.self, forKey: .type) ?? "PUT" {
            case "PUT":
                self.event = .put(keyValue)
            case "DELETE":
                self.event = .delete(key: keyValue.key, modRevision: keyValue.modRevision)
            case let other:
                throw DecodingError.dataCorruptedError(
                    forKey: .type, in: container, debugDescription: "unknown event type \(other)")
            }
        }
    }

    /// `GET /health`: `{"health": "true"}` (a string in etcd 3.4).
    struct HealthResponse: Decodable {
        var health: String
    }
}
