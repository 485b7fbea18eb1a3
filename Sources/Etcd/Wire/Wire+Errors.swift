/// The gateway's two error shapes.
extension Wire {
    /// The body of a reply with a status other than 200: `{"error": .., "code": <gRPC code>, "message": ..}`.
    struct GatewayError: Decodable {
        var code: Int
        var message: String

        private enum CodingKeys: String, CodingKey {
            case error, code, message
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.code = try container.int(.code)
            let message = try container.string(.message)
            self.message = message.isEmpty ? try container.string(.error) : message
        }
    }

    /// An error inside a stream's body: `{"error": {"grpc_code": 14, "http_code": 503, "message": ..}}`.
    struct StreamError: Decodable {
        var grpcCode: Int
        var httpCode: Int
        var message: String

        private enum CodingKeys: String, CodingKey {
            case grpcCode = "grpc_code"
            case httpCode = "http_code"
            case message
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.grpcCode = try container.int(.grpcCode)
            self.httpCode = try container.int(.httpCode)
            self.message = try container.string(.message)
        }

        /// The error a caller sees.
        var etcdError: EtcdError {
            .http(status: self.httpCode, code: self.grpcCode, message: self.message)
        }
    }
}
