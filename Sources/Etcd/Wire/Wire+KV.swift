import Foundation

/// `/v3/kv/range`, `/v3/kv/put` and `/v3/kv/deleterange`, and the key-value and header they share with the rest.
extension Wire {
    /// `etcdserverpb.ResponseHeader`: only the revision matters here.
    struct Header: Decodable {
        var revision: Int64

        private enum CodingKeys: String, CodingKey {
            case revision
        }

        init(revision: Int64 = 0) {
            self.revision = revision
        }

        init(from decoder: any Decoder) throws {
            self.revision = try decoder.container(keyedBy: CodingKeys.self).int64(.revision)
        }
    }

    /// `mvccpb.KeyValue` as the gateway sends it.
    struct KV: Decodable {
        var keyValue: KeyValue

        private enum CodingKeys: String, CodingKey {
            case key, value, version, lease
            case createRevision = "create_revision"
            case modRevision = "mod_revision"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.keyValue = KeyValue(
                key: try container.bytes(.key), value: try container.bytes(.value),
                createRevision: try container.int64(.createRevision), modRevision: try container.int64(.modRevision),
                version: try container.int64(.version), lease: try container.int64(.lease))
        }
    }

    /// `POST /v3/kv/range` (also the `request_range` of a transaction), and a delete's key and range.
    struct RangeRequest: Encodable {
        var key: Data
        var rangeEnd: Data?

        private enum CodingKeys: String, CodingKey {
            case key
            case rangeEnd = "range_end"
        }

        init(key: [UInt8], rangeEnd: [UInt8]? = nil) {
            self.key = Data(key)
            self.rangeEnd = rangeEnd.map { Data($0) }
        }
    }

    /// The reply to a range: the keys in key order.
    struct RangeResponse: Decodable {
        var header: Header
        var kvs: [KeyValue]

        private enum CodingKeys: String, CodingKey {
            case header, kvs
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.header = try container.decodeIfPresent(Header.self, forKey: .header) ?? Header()
            self.kvs = try container.list(.kvs, of: KV.self).map(\.keyValue)
        }
    }

    /// `POST /v3/kv/put` (also the `request_put` of a transaction).
    struct PutRequest: Encodable {
        var key: Data
        var value: Data
        var lease: String?

        init(key: [UInt8], value: [UInt8], lease: Int64?) {
            self.key = Data(key)
            self.value = Data(value)
            self.lease = lease.map(Wire.int64)
        }
    }

    /// The reply to a put, a revoke, or anything else that carries only a header.
    struct HeaderResponse: Decodable {
        var header: Header

        private enum CodingKeys: String, CodingKey {
            case header
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.header = try container.decodeIfPresent(Header.self, forKey: .header) ?? Header()
        }
    }

    /// `POST /v3/kv/deleterange` (also the `request_delete_range` of a transaction): the same fields as a range.
    typealias DeleteRangeRequest = RangeRequest

    /// The reply to a delete: how many keys went.
    struct DeleteRangeResponse: Decodable {
        var header: Header
        var deleted: Int64

        private enum CodingKeys: String, CodingKey {
            case header, deleted
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.header = try container.decodeIfPresent(Header.self, forKey: .header) ?? Header()
            self.deleted = try container.int64(.deleted)
        }
    }
}
