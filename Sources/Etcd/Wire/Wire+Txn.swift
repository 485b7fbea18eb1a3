import Foundation

/// `/v3/kv/txn`: comparisons, the two branches of operations, and the reply.
extension Wire {
    /// `POST /v3/kv/txn`.
    struct TxnRequest: Encodable {
        var compare: [CompareBody]
        var success: [OpBody]
        var failure: [OpBody]

        init(compare: [Compare], success: [TxnOp], failure: [TxnOp]) {
            self.compare = compare.map(CompareBody.init)
            self.success = success.map(OpBody.init)
            self.failure = failure.map(OpBody.init)
        }
    }

    /// One `etcdserverpb.Compare`: `{"key", "target": "CREATE", "result": "EQUAL", "create_revision": "0"}`.
    struct CompareBody: Encodable {
        var compare: Compare

        private enum CodingKeys: String, CodingKey {
            case key, target, result, version, value, lease
            case createRevision = "create_revision"
            case modRevision = "mod_revision"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(Data(self.compare.key), forKey: .key)
            try container.encode(self.compare.relation.rawValue, forKey: .result)
            switch self.compare.target {
            case .createRevision(let revision):
                try container.encode("CREATE", forKey: .target)
                try container.encode(Wire.int64(revision), forKey: .createRevision)
            case .modRevision(let revision):
                try container.encode("MOD", forKey: .target)
                try container.encode(Wire.int64(revision), forKey: .modRevision)
            case .version(let version):
                try container.encode("VERSION", forKey: .target)
                try container.encode(Wire.int64(version), forKey: .version)
            case .value(let value):
                try container.encode("VALUE", forKey: .target)
                try container.encode(Data(value), forKey: .value)
            case .lease(let lease):
                try container.encode("LEASE", forKey: .target)
                try container.encode(Wire.int64(lease), forKey: .lease)
            }
        }
    }

    /// One `etcdserverpb.RequestOp`: `{"request_put": ..}`, `{"request_range": ..}` or
    /// `{"request_delete_range": ..}`.
    struct OpBody: Encodable {
        var op: TxnOp

        private enum CodingKeys: String, CodingKey {
            case put = "request_put"
            case range = "request_range"
            case delete = "request_delete_range"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self.op {
            case .put(let key, let value, let lease):
                try container.encode(PutRequest(key: key, value: value, lease: lease), forKey: .put)
            case .range(let key, let rangeEnd):
                try container.encode(RangeRequest(key: key, rangeEnd: rangeEnd), forKey: .range)
            case .delete(let key, let rangeEnd):
                try container.encode(DeleteRangeRequest(key: key, rangeEnd: rangeEnd), forKey: .delete)
            }
        }
    }

    /// The reply to a transaction; `succeeded` is absent when it is false.
    struct TxnResponse: Decodable {
        var result: TxnResult

        private enum CodingKeys: String, CodingKey {
            case header, succeeded, responses
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let header = try container.decodeIfPresent(Header.self, forKey: .header) ?? Header()
            self.result = TxnResult(
                succeeded: try container.bool(.succeeded), revision: header.revision,
                results: try container.list(.responses, of: OpResponse.self).map(\.result))
        }
    }

    /// One `etcdserverpb.ResponseOp`: exactly one of `response_put`, `response_range`, `response_delete_range`.
    struct OpResponse: Decodable {
        var result: TxnResult.OpResult

        private enum CodingKeys: String, CodingKey {
            case put = "response_put"
            case range = "response_range"
            case delete = "response_delete_range"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let put = try container.decodeIfPresent(HeaderResponse.self, forKey: .put) {
                self.result = .put(revision: put.header.revision)
            } else if let range = try container.decodeIfPresent(RangeResponse.self, forKey: .range) {
                self.result = .range(range.kvs)
            } else if let delete = try container.decodeIfPresent(DeleteRangeResponse.self, forKey: .delete) {
                self.result = .delete(deleted: delete.deleted)
            } else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "no put, range or delete response"))
            }
        }
    }
}
