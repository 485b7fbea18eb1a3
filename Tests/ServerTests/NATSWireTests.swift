import NIOCore
import Testing

@testable import NATS
@testable import Server

/// The NATS client's framing, byte for byte against the protocol's documented forms
/// (https://docs.nats.io/reference/reference-protocols/nats-protocol): server ops split anywhere across reads,
/// `HMSG` status lines, `HPUB` as the batch writes it (with and without a reply inbox), and the acknowledgement
/// JetStream sends for a publish.
struct NATSWireTests {
    /// Decodes everything in `chunks`, fed one chunk at a time, as a channel would.
    func decode(_ chunks: [String]) throws -> [NATSServerOp] {
        var buffer = ByteBuffer()
        var ops: [NATSServerOp] = []
        for chunk in chunks {
            buffer.writeString(chunk)
            while let op = try NATSServerOpDecoder.decodeOp(&buffer) { ops.append(op) }
        }
        #expect(buffer.readableBytes == 0, "bytes left over")
        return ops
    }

    @Test func serverOpsDecodeWhereverTheReadsSplitThem() throws {
        let stream =
            "INFO {\"server_id\":\"x\",\"headers\":true}\r\nPING\r\npong\r\n+OK\r\n"
            + "MSG _INBOX.ab.7 1 44\r\n{\"stream\":\"SEATD\",\"seq\":12,\"duplicate\":true}\r\n"
            + "HMSG _INBOX.ab.8 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\n"
            + "MSG seatd.held.s 2 reply.to 0\r\n\r\n"
            + "-ERR 'Authorization Violation'\r\n"
        let whole = try self.decode([stream])
        // Every split point gives the same ops.
        for cut in stride(from: 1, to: stream.utf8.count, by: 7) {
            let bytes = Array(stream.utf8)
            let parts = [
                String(decoding: bytes[..<cut], as: UTF8.self), String(decoding: bytes[cut...], as: UTF8.self),
            ]
            #expect(try self.decode(parts) == whole, "split at \(cut)")
        }
        #expect(whole.count == 8)
        #expect(whole[0] == .info("{\"server_id\":\"x\",\"headers\":true}"))
        #expect(whole[1] == .ping && whole[2] == .pong && whole[3] == .ok)
        guard case .message(let ack) = whole[4], case .message(let noResponders) = whole[5],
            case .message(let plain) = whole[6]
        else {
            Issue.record("no messages: \(whole)")
            return
        }
        #expect(ack.subject == "_INBOX.ab.7" && ack.sid == "1" && ack.replyTo == nil && ack.status == nil)
        #expect(String(buffer: ack.payload) == "{\"stream\":\"SEATD\",\"seq\":12,\"duplicate\":true}")
        #expect(noResponders.status == 503 && noResponders.payload.readableBytes == 0)
        #expect(plain.replyTo == "reply.to" && plain.payload.readableBytes == 0)
        #expect(whole[7] == .error("Authorization Violation"))
    }

    @Test func malformedOpsAreProtocolViolations() {
        for line in ["BOGUS\r\n", "MSG a\r\n", "MSG a 1 x\r\n", "HMSG a 1 9 4\r\n", "MSG a 1 2\r\nabXY"] {
            var buffer = ByteBuffer(string: line)
            #expect(throws: NATSError.self, "\(line)") { while try NATSServerOpDecoder.decodeOp(&buffer) != nil {} }
        }
    }

    @Test func aBatchFramesEachMessageAsHPUBWithItsOwnInbox() throws {
        var batch = NATSPublishBatch(inbox: Array("_INBOX.q.".utf8), firstToken: 41, capacity: 3)
        batch.append { subject, headers, payload in
            subject.writeString("seatd.held.s1")
            headers.writeString("Nats-Msg-Id: abc-5\r\n")
            payload.writeString("{\"seq\":5}")
        }
        batch.append(reply: false) { subject, _, payload in
            subject.writeString("y")
            payload.writeString("ab")
        }
        batch.append { subject, _, payload in
            subject.writeString("x")
            payload.writeString("")
        }
        // Header bytes count `NATS/1.0\r\n`, the lines and the blank line; total bytes add the payload.
        #expect(
            String(buffer: batch.buffer)
                == "HPUB seatd.held.s1 _INBOX.q.41 32 41\r\nNATS/1.0\r\nNats-Msg-Id: abc-5\r\n\r\n{\"seq\":5}\r\n"
                + "HPUB y 12 14\r\nNATS/1.0\r\n\r\nab\r\n"
                + "HPUB x _INBOX.q.42 12 12\r\nNATS/1.0\r\n\r\n\r\n")
        #expect(batch.count == 3 && batch.replies == 2)
    }

    @Test func jetStreamAcksGiveTheStreamSequenceAndTheDuplicateFlag() {
        func parse(_ text: String) -> (UInt64, Bool)? {
            AckTracker.parseAck(ByteBuffer(string: text).readableBytesView).map { ($0.streamSeq, $0.duplicate) }
        }
        #expect(parse(#"{"stream":"SEATD","seq":12}"#)! == (12, false))
        #expect(parse(#"{"stream":"SEATD","seq":7,"duplicate":true}"#)! == (7, true))
        #expect(
            parse(
                #"{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"},"stream":"SEATD","seq":0}"#
            ) == nil)
        #expect(parse(#"{"stream":"SEATD"}"#) == nil)
    }

    @Test func decimalsAreWrittenWithoutStrings() {
        var buffer = ByteBuffer()
        for value: UInt64 in [0, 7, 10, 999, 18_446_744_073_709_551_615] {
            ASCIIDecimal.write(value, to: &buffer)
            buffer.writeString(",")
        }
        #expect(String(buffer: buffer) == "0,7,10,999,18446744073709551615,")
    }
}
