import Foundation
import NIOCore
import NIOFoundationCompat

/// The shapes of etcd's v3 JSON gateway (grpc-gateway over `etcdserverpb`), as `Codable` types, and the one place
/// that encodes and decodes them.
///
/// What the gateway does to the protobuf messages, measured on etcd 3.4:
/// - keys and values (`bytes`) are base64 strings: `Data` fields, which `JSONEncoder` and `JSONDecoder` write and
///   read as base64 by default;
/// - 64-bit integers are JSON strings (`"create_revision": "12"`); requests send them as strings too;
/// - a field equal to its zero value is left out of a reply (a false `succeeded`, a zero count, an empty list), so
///   every reply type decodes a missing field as its zero value;
/// - an error is HTTP status != 200 with `{"error": .., "code": <gRPC code>, "message": ..}`, and inside a stream
///   (`/v3/watch`, `/v3/lease/keepalive`) an object `{"error": {"grpc_code", "http_code", "message", ..}}`.
enum Wire {
    /// Encodes a request body.
    static func encode(_ request: some Encodable) throws(EtcdError) -> ByteBuffer {
        do {
            return try JSONEncoder().encodeAsByteBuffer(request, allocator: ByteBufferAllocator())
        } catch {
            throw .decoding("cannot encode \(type(of: request)): \(error)")
        }
    }

    /// Decodes a reply body.
    static func decode<Reply: Decodable>(_ type: Reply.Type, from buffer: ByteBuffer) throws(EtcdError) -> Reply {
        do {
            return try JSONDecoder().decode(type, from: buffer)
        } catch {
            throw .decoding("\(type): \(error); body: \(String(buffer: buffer).prefix(200))")
        }
    }

    /// Decodes one object of a stream.
    static func decode<Reply: Decodable>(_ type: Reply.Type, from bytes: [UInt8]) throws(EtcdError) -> Reply {
        try Self.decode(type, from: ByteBuffer(bytes: bytes))
    }

    /// The error for a reply with a status other than 200: etcd's JSON error when the body is one, else the body.
    static func httpError(status: Int, body: ByteBuffer) -> EtcdError {
        if let error = try? JSONDecoder().decode(GatewayError.self, from: body) {
            return .http(status: status, code: error.code, message: error.message)
        }
        return .http(status: status, code: nil, message: String(buffer: body))
    }

    /// A 64-bit integer as the gateway wants it in a request: a decimal string.
    static func int64(_ value: Int64) -> String {
        String(value)
    }
}
