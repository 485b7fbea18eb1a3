import Foundation
import NIOCore

/// JetStream's API over a `NATSConnection`, as a publisher needs it: a stream's info, creating a stream, getting a
/// stored message, and reading the acknowledgement of a publish
/// (https://docs.nats.io/reference/reference-protocols/nats_api_reference). Requests go to `$JS.API.<name>`;
/// requests and replies are JSON, encoded and decoded by the `Codable` types below. A reply is its body, or
/// `{"error":{"code":..,"err_code":..,"description":..}}` (beside other fields at times), thrown as
/// `RequestError.api`.
public struct JetStream: Sendable {
    /// The connection the requests go over.
    public let connection: NATSConnection
    /// How long each API request waits for its reply.
    public let timeout: TimeAmount

    /// The API over `connection`.
    public init(_ connection: NATSConnection, timeout: TimeAmount = .seconds(5)) {
        self.connection = connection
        self.timeout = timeout
    }

    /// The stream `name`, or nil when JetStream has no such stream.
    public func streamInfo(_ name: String) async throws -> StreamInfo? {
        do {
            return try await self.call("STREAM.INFO.\(name)", payload: ByteBuffer(), returning: StreamInfo.self)
        } catch RequestError.api(let error) where error.isStreamNotFound {
            return nil
        }
    }

    /// Creates the stream `config` describes; throws `.api` when JetStream refuses (another config under that
    /// name, subjects another stream takes...).
    public func createStream(_ config: StreamConfig) async throws -> StreamInfo {
        let request = try Self.encode(config)
        return try await self.call("STREAM.CREATE.\(config.name)", payload: request, returning: StreamInfo.self)
    }

    /// The message stored at `seq` in the stream `stream`.
    public func message(stream: String, seq: UInt64) async throws -> StoredMessage {
        let request = try Self.encode(MessageGetRequest(seq: seq))
        let reply = try await self.call("STREAM.MSG.GET.\(stream)", payload: request, returning: MessageGetReply.self)
        return reply.message
    }

    /// Sends one API request and decodes its reply.
    private func call<Reply: Decodable>(
        _ api: String, payload: ByteBuffer, returning: Reply.Type
    ) async throws -> Reply {
        let request = NATSRequest(subject: "$JS.API." + api, payload: payload)
        return try Self.decode(Reply.self, from: try await self.connection.request(request, timeout: self.timeout))
    }

    /// A request's JSON (keys sorted, so the same request is always the same bytes).
    public static func encode(_ request: some Encodable) throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return ByteBuffer(bytes: try encoder.encode(request))
    }

    /// The body of a reply (an API reply, or the acknowledgement of a publish): throws `.noResponders` for a reply
    /// with status 503, `.status` for another status, `.api` for an error reply, `.malformed` for anything else.
    public static func decode<Reply: Decodable>(
        _: Reply.Type, from message: NATSMessage
    ) throws(RequestError) -> Reply {
        switch message.status {
        case nil: return try Self.decode(Reply.self, from: message.payload.readableBytesView)
        case 503: throw .noResponders
        case let status?: throw .status(status)
        }
    }

    /// The body of a reply's JSON: throws `.api` for an error reply, `.malformed` for anything else that is not a
    /// `Reply`.
    public static func decode<Reply: Decodable>(
        _: Reply.Type, from json: ByteBufferView
    ) throws(RequestError) -> Reply {
        let envelope: Envelope<Reply>
        do {
            envelope = try JSONDecoder().decode(Envelope<Reply>.self, from: Data(json))
        } catch {
            throw .malformed(String(decoding: json, as: UTF8.self))
        }
        switch envelope {
        case .body(let body): return body
        case .error(let error): throw .api(error)
        }
    }

    /// A reply as JetStream sends it: an error when it has an `error` field, else the body.
    enum Envelope<Body: Decodable>: Decodable {
        case body(Body)
        case error(APIError)

        enum CodingKeys: String, CodingKey {
            case error
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let error = try container.decodeIfPresent(APIError.self, forKey: .error) {
                self = .error(error)
            } else {
                self = .body(try Body(from: decoder))
            }
        }
    }

    /// `STREAM.MSG.GET`'s request: the message at a stream sequence.
    struct MessageGetRequest: Encodable {
        let seq: UInt64
    }

    /// `STREAM.MSG.GET`'s reply.
    struct MessageGetReply: Decodable {
        let message: StoredMessage
    }
}

extension JetStream {
    /// Why a JetStream request, or a publish to a stream, got no body.
    public enum RequestError: Error, Sendable, Equatable, CustomStringConvertible {
        /// JetStream's error reply.
        case api(APIError)
        /// A reply with status 503: nothing answers the subject. JetStream is not enabled on the server or, for a
        /// publish, no stream takes the subject.
        case noResponders
        /// A reply with another status.
        case status(Int)
        /// A reply that is not the JSON expected; its text.
        case malformed(String)

        public var description: String {
            switch self {
            case .api(let error): "JetStream error \(error.code) (\(error.errCode)): \(error.description)"
            case .noResponders: "no responders (JetStream is not enabled on the server, or no stream takes the subject)"
            case .status(let status): "a reply with status \(status)"
            case .malformed(let text): "not the reply expected: \(text)"
            }
        }
    }

    /// JetStream's error reply, the value of its `error` field:
    /// `{"code":404,"err_code":10059,"description":"stream not found"}`.
    public struct APIError: Error, Codable, Sendable, Equatable {
        /// An HTTP-like status: 400, 404, 500, 503...
        public let code: Int
        /// JetStream's own code for the error (`10059`: stream not found); 0 when the server gives none.
        public let errCode: Int
        /// The error in words.
        public let description: String

        public init(code: Int, errCode: Int, description: String) {
            self.code = code
            self.errCode = errCode
            self.description = description
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.code = try container.decode(Int.self, forKey: .code)
            self.errCode = try container.decodeIfPresent(Int.self, forKey: .errCode) ?? 0
            self.description = try container.decodeIfPresent(String.self, forKey: .description) ?? ""
        }

        enum CodingKeys: String, CodingKey {
            case code, description
            case errCode = "err_code"
        }

        /// True for "stream not found": `10059`, or a 404 (servers before `err_code` existed).
        public var isStreamNotFound: Bool { self.errCode == 10059 || self.code == 404 }
    }

    /// A stream's configuration, as `STREAM.CREATE` takes it and `STREAM.INFO` gives it: the fields a publisher
    /// sets (JetStream gives the others their defaults, and decoding skips them).
    public struct StreamConfig: Codable, Sendable, Equatable {
        /// What the stream keeps messages for.
        public enum Retention: String, Codable, Sendable {
            /// Up to the stream's limits (messages, bytes, age), whoever consumed them.
            case limits
            /// While a consumer has not acknowledged them.
            case interest
            /// Until one consumer acknowledges them.
            case workqueue
        }

        /// Where the stream keeps its messages.
        public enum Storage: String, Codable, Sendable {
            case file, memory
        }

        public var name: String
        /// The subjects whose messages the stream stores; wildcards allowed (`seatd.>`).
        public var subjects: [String]?
        public var retention: Retention
        public var storage: Storage
        /// How long the stream remembers a message's `Nats-Msg-Id` and drops another message with the same id, in
        /// nanoseconds (JetStream's unit; its default is two minutes).
        public var duplicateWindowNs: Int64?

        public init(
            name: String, subjects: [String]?, retention: Retention = .limits, storage: Storage = .file,
            duplicateWindowNs: Int64? = nil
        ) {
            self.name = name
            self.subjects = subjects
            self.retention = retention
            self.storage = storage
            self.duplicateWindowNs = duplicateWindowNs
        }

        enum CodingKeys: String, CodingKey {
            case name, subjects, retention, storage
            case duplicateWindowNs = "duplicate_window"
        }
    }

    /// `STREAM.INFO`'s and `STREAM.CREATE`'s reply: the stream's configuration and what it holds.
    public struct StreamInfo: Decodable, Sendable, Equatable {
        public let config: StreamConfig
        public let state: StreamState
    }

    /// What a stream holds.
    public struct StreamState: Decodable, Sendable, Equatable {
        public let messages: UInt64
        public let bytes: UInt64
        /// The sequence of the oldest message held (0 for an empty stream).
        public let firstSeq: UInt64
        /// The sequence of the newest message stored.
        public let lastSeq: UInt64

        enum CodingKeys: String, CodingKey {
            case messages, bytes
            case firstSeq = "first_seq"
            case lastSeq = "last_seq"
        }
    }

    /// JetStream's acknowledgement of a publish: `{"stream":"SEATD","seq":12}`, with `"duplicate":true` when the
    /// stream has the message's `Nats-Msg-Id` already and dropped the message.
    public struct PublishAck: Decodable, Sendable, Equatable {
        /// The stream that stored the message.
        public let stream: String
        /// The message's sequence in the stream.
        public let seq: UInt64
        /// True when the stream dropped the message as a duplicate.
        public let duplicate: Bool

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.stream = try container.decode(String.self, forKey: .stream)
            self.seq = try container.decode(UInt64.self, forKey: .seq)
            self.duplicate = try container.decodeIfPresent(Bool.self, forKey: .duplicate) ?? false
        }

        enum CodingKeys: String, CodingKey {
            case stream, seq, duplicate
        }
    }

    /// A message as `STREAM.MSG.GET` gives it (its header block and payload are base64 in the JSON).
    public struct StoredMessage: Decodable, Sendable, Equatable {
        public let subject: String
        /// Its sequence in the stream.
        public let seq: UInt64
        /// The header block, `NATS/1.0\r\nName: value\r\n...`; empty for a message without headers.
        public let header: Data
        /// The payload.
        public let data: Data

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.subject = try container.decode(String.self, forKey: .subject)
            self.seq = try container.decode(UInt64.self, forKey: .seq)
            self.header = try container.decodeIfPresent(Data.self, forKey: .header) ?? Data()
            self.data = try container.decodeIfPresent(Data.self, forKey: .data) ?? Data()
        }

        enum CodingKeys: String, CodingKey {
            case subject, seq, data
            case header = "hdrs"
        }

        /// The header lines, `Name: value`, without the status line.
        public var headerLines: [String] {
            String(decoding: self.header, as: UTF8.self).split(separator: "\r\n").dropFirst().map(String.init)
        }
    }
}
