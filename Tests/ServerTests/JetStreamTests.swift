import Foundation
import NIOCore
import Testing

@testable import NATS
@testable import Server

/// Goal: the JetStream API's JSON is what JetStream sends and takes: the stream seatd creates encodes as the
/// request it always sent, and replies as nats-server writes them (bodies, `"duplicate": true` with its space, error
/// replies beside other fields, no-responder statuses) decode to their values or to the error they carry; the
/// CONNECT JSON escapes the client's name. Method: fixed replies copied from nats-server 2.9 (and the docs'
/// examples), then the same requests against a real nats-server when one is installed.
struct JetStreamTests {
    /// `json` as a reply message, with `status` when the header block has one.
    static func reply(_ json: String, status: Int? = nil) -> NATSMessage {
        NATSMessage(
            subject: "_INBOX.x.1", sid: "1", replyTo: nil, status: status, headers: [],
            payload: ByteBuffer(string: json))
    }

    @Test func theStreamSeatdCreatesEncodesAsTheRequestItAlwaysSent() throws {
        let config = NATSSettings().streamConfig
        #expect(
            String(buffer: try JetStream.encode(config)) == #"{"duplicate_window":120000000000,"name":"SEATD","#
                + #""retention":"limits","storage":"file","subjects":["seatd.>"]}"#)
        var custom = NATSSettings()
        (custom.subject, custom.stream) = ("shop.events.<type>.x.<session>", "SHOP")
        let encoded = try JetStream.encode(custom.streamConfig)
        let subjects = try JSONSerialization.jsonObject(with: Data(encoded.readableBytesView))
        #expect((subjects as? [String: Any])?["subjects"] as? [String] == ["shop.events.>"])
        #expect(String(buffer: try JetStream.encode(JetStream.MessageGetRequest(seq: 12))) == #"{"seq":12}"#)
    }

    @Test func aStreamCreateReplyDecodesToTheStreamsConfigAndState() throws {
        let created =
            #"{"type":"io.nats.jetstream.api.v1.stream_create_response","config":{"name":"SEATD","#
            + #""subjects":["seatd.\u003e"],"retention":"limits","max_consumers":-1,"max_msgs":-1,"max_bytes":-1,"#
            + #""max_age":0,"max_msgs_per_subject":-1,"max_msg_size":-1,"discard":"old","storage":"file","#
            + #""num_replicas":1,"duplicate_window":120000000000,"allow_direct":false,"mirror_direct":false,"#
            + #""sealed":false,"deny_delete":false,"deny_purge":false,"allow_rollup_hdrs":false},"#
            + #""created":"2026-12-05T00:16:10.637572453Z","state":{"messages":3,"bytes":120,"first_seq":1,"#
            + #""first_ts":"0001-01-01T00:00:00Z","last_seq":3,"last_ts":"0001-01-01T00:00:00Z","consumer_count":0},"#
            + #""did_create":true}"#
        let info = try JetStream.decode(JetStream.StreamInfo.self, from: Self.reply(created))
        #expect(info.config == NATSSettings().streamConfig)
        #expect(info.state.messages == 3 && info.state.bytes == 120)
        #expect(info.state.firstSeq == 1 && info.state.lastSeq == 3)
    }

    @Test func anErrorReplyThrowsTheErrorItCarries() {
        let notFound =
            #"{"type":"io.nats.jetstream.api.v1.stream_info_response","error":{"code":404,"err_code":10059,"#
            + #""description":"stream not found"},"total":0,"offset":0,"limit":0}"#
        let expected = JetStream.APIError(code: 404, errCode: 10059, description: "stream not found")
        #expect(throws: JetStream.RequestError.api(expected)) {
            try JetStream.decode(JetStream.StreamInfo.self, from: Self.reply(notFound))
        }
        #expect(expected.isStreamNotFound)
        let inUse =
            #"{"type":"io.nats.jetstream.api.v1.stream_create_response","error":{"code":400,"#
            + #""err_code":10058,"description":"stream name already in use with a different configuration"}}"#
        do throws(JetStream.RequestError) {
            _ = try JetStream.decode(JetStream.StreamInfo.self, from: Self.reply(inUse))
            Issue.record("an error reply decoded")
        } catch {
            guard case .api(let error) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(error.code == 400 && error.errCode == 10058 && !error.isStreamNotFound)
            #expect(error.description == "stream name already in use with a different configuration")
        }
        // Servers before `err_code` existed give the status alone.
        #expect(throws: JetStream.RequestError.api(JetStream.APIError(code: 503, errCode: 0, description: ""))) {
            try JetStream.decode(JetStream.StreamInfo.self, from: Self.reply(#"{"error":{"code":503}}"#))
        }
    }

    @Test func publishAcksDecodeWithTheirDuplicateFlag() throws {
        func ack(_ json: String, status: Int? = nil) throws(JetStream.RequestError) -> JetStream.PublishAck {
            try JetStream.decode(JetStream.PublishAck.self, from: Self.reply(json, status: status))
        }
        // As nats-server 2.9 writes them, spaces included.
        let new = try ack(#"{"stream":"SEATD", "seq":1}"#)
        #expect(new.stream == "SEATD" && new.seq == 1 && !new.duplicate)
        let again = try ack(#"{"stream":"SEATD", "seq":1,"duplicate": true}"#)
        #expect(again.seq == 1 && again.duplicate)
        let parsed = AckTracker.parseAck(
            ByteBuffer(string: #"{"stream":"SEATD", "seq":9,"duplicate": true}"#)
                .readableBytesView)
        #expect(parsed?.streamSeq == 9 && parsed?.duplicate == true)
        let full = JetStream.APIError(code: 503, errCode: 10077, description: "maximum messages exceeded")
        #expect(throws: JetStream.RequestError.api(full)) {
            try ack(
                #"{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"},"#
                    + #""stream":"SEATD","seq":0}"#)
        }
        #expect(throws: JetStream.RequestError.malformed(#"{"stream":"SEATD"}"#)) { try ack(#"{"stream":"SEATD"}"#) }
        #expect(throws: JetStream.RequestError.malformed("")) { try ack("") }
        // No stream takes the subject: the server answers with a 503 status and no payload.
        #expect(throws: JetStream.RequestError.noResponders) { try ack("", status: 503) }
        #expect(throws: JetStream.RequestError.status(408)) { try ack("", status: 408) }
    }

    @Test func aStoredMessageDecodesItsBase64HeaderAndPayload() throws {
        let get =
            #"{"type":"io.nats.jetstream.api.v1.stream_msg_get_response","message":{"subject":"seatd.held.s1","#
            + #""seq":1,"hdrs":"TkFUUy8xLjANCk5hdHMtTXNnLUlkOiBhYmMtNQ0KDQo=","data":"eyJzZXEiOjV9","#
            + #""time":"2026-12-05T00:16:10.638807506Z"}}"#
        let message = try JetStream.decode(JetStream.MessageGetReply.self, from: Self.reply(get)).message
        #expect(message.subject == "seatd.held.s1" && message.seq == 1)
        #expect(message.headerLines == ["Nats-Msg-Id: abc-5"])
        #expect(String(decoding: message.data, as: UTF8.self) == #"{"seq":5}"#)
        let bare = #"{"message":{"subject":"x","seq":2,"time":"2026-12-05T00:16:10Z"}}"#
        let empty = try JetStream.decode(JetStream.MessageGetReply.self, from: Self.reply(bare)).message
        #expect(empty.header.isEmpty && empty.data.isEmpty && empty.headerLines.isEmpty)
    }

    @Test func theConnectJSONEscapesTheName() throws {
        let json = try NATSClientOp.Connect(name: #"seatd "east"\1"#).json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["name"] as? String == #"seatd "east"\1"#)
        #expect(object["headers"] as? Bool == true && object["no_responders"] as? Bool == true)
        #expect(object["verbose"] as? Bool == false && object["protocol"] as? Int == 1)
    }

    @Test(.enabled(if: NATSServer.path != nil, "nats-server is missing (apt-get install nats-server); skipped"))
    func theRequestsWorkAgainstARealServer() async throws {
        let nats = try await NATSServer()
        defer { nats.stop() }
        let connection = try await NATSConnection.connect(host: "127.0.0.1", port: nats.port, name: #"a "test""#)
        defer { connection.close() }
        let jetStream = JetStream(connection)
        #expect(try await jetStream.streamInfo("SEATD") == nil)
        let config = NATSSettings().streamConfig
        #expect(try await jetStream.createStream(config).config == config)
        #expect(try await jetStream.streamInfo("SEATD")?.config == config)
        // The same name with other subjects is refused.
        var other = config
        other.subjects = ["other.>"]
        await #expect(throws: JetStream.RequestError.self) { try await jetStream.createStream(other) }
        let expectations: [(seq: UInt64, duplicate: Bool)] = [(1, false), (1, true)]
        for expected in expectations {
            var batch = connection.makeBatch(capacity: 1)
            batch.append(
                NATSRequest(
                    subject: "seatd.held.s1", headers: [("Nats-Msg-Id", "abc-5")],
                    payload: ByteBuffer(string: #"{"seq":5}"#)))
            let reply = try await connection.send(batch)[0].get()
            let ack = try JetStream.decode(JetStream.PublishAck.self, from: reply)
            #expect(ack.seq == expected.seq && ack.duplicate == expected.duplicate)
        }
        let stored = try await jetStream.message(stream: "SEATD", seq: 1)
        #expect(stored.subject == "seatd.held.s1" && stored.headerLines == ["Nats-Msg-Id: abc-5"])
        #expect(String(decoding: stored.data, as: UTF8.self) == #"{"seq":5}"#)
        await #expect(throws: JetStream.RequestError.self) { try await jetStream.message(stream: "SEATD", seq: 9) }
        let unheard = NATSRequest(subject: "nobody.listens", payload: ByteBuffer())
        let noResponders = try await connection.request(unheard)
        #expect(throws: JetStream.RequestError.noResponders) {
            try JetStream.decode(JetStream.PublishAck.self, from: noResponders)
        }
    }
}
