import Foundation
import NIOCore
import Testing

@testable import Etcd

/// Goal: the gateway's JSON decodes to the right values and requests encode as the gateway reads them, without a
/// server. Method: replies copied from etcd 3.4's gateway on this machine (64-bit numbers as strings, zero-valued
/// fields left out, base64 keys and values), decoded through the same `Wire.decode` the client uses.
struct WireTests {
    static let header =
        #""header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","#
        + #""revision":"7","raft_term":"2"}"#

    static func decode<Reply: Decodable>(_ type: Reply.Type, _ json: String) throws -> Reply {
        try Wire.decode(type, from: ByteBuffer(string: json))
    }

    @Test func aRangeReplyDecodesStringNumbersAndBase64() throws {
        let json =
            #"{\#(Self.header),"kvs":[{"key":"YQ==","create_revision":"2","mod_revision":"5","#
            + #""version":"3","value":"MQ==","lease":"4111120446573149202"}],"count":"1"}"#
        let reply = try Self.decode(Wire.RangeResponse.self, json)
        #expect(reply.header.revision == 7)
        #expect(
            reply.kvs == [
                KeyValue(
                    key: bytes("a"), value: bytes("1"), createRevision: 2, modRevision: 5, version: 3,
                    lease: 4_111_120_446_573_149_202)
            ])
    }

    @Test func omittedFieldsDecodeAsZeroValues() throws {
        #expect(try Self.decode(Wire.RangeResponse.self, "{\(Self.header)}").kvs == [])
        let bare = try Self.decode(Wire.RangeResponse.self, #"{"kvs":[{"key":"YQ=="}]}"#)
        #expect(bare.header.revision == 0 && bare.kvs == [KeyValue(key: bytes("a"), value: [])])
        #expect(try Self.decode(Wire.DeleteRangeResponse.self, "{\(Self.header)}").deleted == 0)
        #expect(try Self.decode(Wire.DeleteRangeResponse.self, #"{"deleted":"1"}"#).deleted == 1)
    }

    @Test func aFailedTxnHasNoSucceededFieldAndCarriesItsRange() throws {
        let json =
            #"{\#(Self.header),"responses":[{"response_range":{"header":{"revision":"7"},"#
            + #""kvs":[{"key":"YQ==","create_revision":"2","mod_revision":"2","version":"1","value":"MQ=="}],"#
            + #""count":"1"}}]}"#
        let result = try Self.decode(Wire.TxnResponse.self, json).result
        #expect(!result.succeeded && result.revision == 7)
        #expect(
            result.results == [
                .range([KeyValue(key: bytes("a"), value: bytes("1"), createRevision: 2, modRevision: 2, version: 1)])
            ])
    }

    @Test func aSucceededTxnDecodesEachKindOfResult() throws {
        let json =
            #"{\#(Self.header),"succeeded":true,"responses":[{"response_put":{"header":{"revision":"7"}}},"#
            + #"{"response_delete_range":{"header":{"revision":"7"},"deleted":"1"}},"#
            + #"{"response_range":{"header":{"revision":"7"}}}]}"#
        let result = try Self.decode(Wire.TxnResponse.self, json).result
        #expect(
            result
                == TxnResult(
                    succeeded: true, revision: 7, results: [.put(revision: 7), .delete(deleted: 1), .range([])]))
        #expect(throws: EtcdError.self) { try Self.decode(Wire.TxnResponse.self, #"{"responses":[{}]}"#) }
    }

    @Test func leaseRepliesDecodeTheirTTLOrItsAbsence() throws {
        let grant = try Self.decode(
            Wire.LeaseGrantResponse.self, #"{\#(Self.header),"ID":"4111120446573149193","TTL":"2"}"#)
        #expect(grant.id == 4_111_120_446_573_149_193 && grant.ttlSeconds == 2 && grant.error.isEmpty)
        let alive = #"{"result":{\#(Self.header),"ID":"123","TTL":"3"}}"#
        #expect(try Self.decode(Wire.LeaseKeepAliveMessage.self, alive).ttlSeconds == 3)
        let gone = #"{"result":{\#(Self.header),"ID":"123"}}"#
        #expect(try Self.decode(Wire.LeaseKeepAliveMessage.self, gone).ttlSeconds == 0)
        let failed = #"{"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: no leader","http_status":"x"}}"#
        #expect(
            try Self.decode(Wire.LeaseKeepAliveMessage.self, failed).error?.etcdError
                == .http(status: 503, code: 14, message: "etcdserver: no leader"))
    }

    @Test func watchMessagesDecodeToEventsOrNone() throws {
        let created = #"{"result":{\#(Self.header),"created":true}}"#
        #expect(try EtcdClient.events(in: bytes(created)) == [])
        let put =
            #"{"result":{\#(Self.header),"events":[{"kv":{"key":"dzE=","create_revision":"5","#
            + #""mod_revision":"5","version":"1","value":"dg==","lease":"41"}}]}}"#
        #expect(
            try EtcdClient.events(in: bytes(put)) == [
                .put(
                    KeyValue(
                        key: bytes("w1"), value: bytes("v"), createRevision: 5, modRevision: 5, version: 1, lease: 41))
            ])
        let delete =
            #"{"result":{\#(Self.header),"events":[{"type":"DELETE","kv":{"key":"dzI=","mod_revision":"7"}}]}}"#
        #expect(try EtcdClient.events(in: bytes(delete)) == [.delete(key: bytes("w2"), modRevision: 7)])
        let canceled = #"{"result":{"header":{"raft_term":"2"},"canceled":true,"compact_revision":"5"}}"#
        #expect(throws: EtcdError.watchCanceled(reason: "", compactRevision: 5)) {
            try EtcdClient.events(in: bytes(canceled))
        }
        let failed = #"{"error":{"grpc_code":14,"http_code":503,"message":"transport is closing"}}"#
        #expect(throws: EtcdError.watchEnded(reason: "503 transport is closing (gRPC code 14)")) {
            try EtcdClient.events(in: bytes(failed))
        }
        #expect(throws: EtcdError.self) {
            try EtcdClient.events(in: bytes(#"{"result":{"events":[{"type":"X","kv":{}}]}}"#))
        }
    }

    @Test func anErrorBodyBecomesHTTPWithEtcdsCodeAndMessage() {
        let json =
            #"{"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","#
            + #""code":5}"#
        #expect(
            Wire.httpError(status: 404, body: ByteBuffer(string: json))
                == .http(status: 404, code: 5, message: "etcdserver: requested lease not found"))
        #expect(
            Wire.httpError(status: 502, body: ByteBuffer(string: "Bad Gateway"))
                == .http(status: 502, code: nil, message: "Bad Gateway"))
        #expect(throws: EtcdError.self) { try Self.decode(Wire.RangeResponse.self, #"{"header":{"revision":"x"}}"#) }
    }

    @Test func requestsEncodeBase64KeysAndStringNumbers() throws {
        let txn = Wire.TxnRequest(
            compare: [.createRevision(bytes("k"), .equal, 0), .value(bytes("k"), .notEqual, bytes("v"))],
            success: [.put(key: bytes("k"), value: bytes("v"), lease: 42)], failure: [.range(key: bytes("k"))])
        let object = try JSONSerialization.jsonObject(with: Data(Wire.encode(txn).readableBytesView)) as? NSDictionary
        let expected: NSDictionary = [
            "compare": [
                ["key": "aw==", "target": "CREATE", "result": "EQUAL", "create_revision": "0"],
                ["key": "aw==", "target": "VALUE", "result": "NOT_EQUAL", "value": "dg=="],
            ],
            "success": [["request_put": ["key": "aw==", "value": "dg==", "lease": "42"]]],
            "failure": [["request_range": ["key": "aw=="]]],
        ]
        #expect(object == expected)
        let watch = Wire.WatchRequest(key: bytes("a"), rangeEnd: bytes("b"), fromRevision: 9)
        let watchObject =
            try JSONSerialization.jsonObject(with: Data(Wire.encode(watch).readableBytesView)) as? NSDictionary
        #expect(watchObject == ["create_request": ["key": "YQ==", "range_end": "Yg==", "start_revision": "9"]])
    }

    @Test func thePrefixRangeEndRaisesTheLastByteBelow0xFF() {
        #expect(EtcdClient.rangeEnd(ofPrefix: bytes("/a/")) == bytes("/a0"))
        #expect(EtcdClient.rangeEnd(ofPrefix: [0x61, 0xFF, 0xFF]) == [0x62])
        #expect(EtcdClient.rangeEnd(ofPrefix: [0xFF]) == [0])
        #expect(EtcdClient.rangeEnd(ofPrefix: []) == [0])
    }
}
