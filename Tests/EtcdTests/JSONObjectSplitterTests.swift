import Testing

@testable import Etcd

/// Goal: the watch stream is cut into whole JSON objects however its chunks fall. Method: a stream as the gateway
/// writes it (objects on lines, braces and escaped quotes inside strings, nested arrays) fed whole, one byte at a
/// time, and split at every offset (LineBasedFrameDecoder's tests do the same); then the limits and garbage.
struct JSONObjectSplitterTests {
    static let objects = [
        #"{"result":{"header":{"revision":"4"},"created":true}}"#,
        #"{"result":{"events":[{"kv":{"key":"dzE=","value":"dg=="}},{"type":"DELETE","kv":{"key":"eA=="}}]}}"#,
        #"{"error":{"message":"a } brace, a { brace, a \" quote and a \\ backslash\\","grpc_code":14}}"#,
        #"{"a":[[],{}],"b":"[{"}"#,
    ]
    static let stream = bytes(Self.objects.joined(separator: "\n") + "\n")

    @Test func aWholeStreamGivesEveryObject() throws {
        var splitter = JSONObjectSplitter()
        #expect(try splitter.append(Self.stream) == Self.objects.map(bytes))
        #expect(splitter.isAtBoundary)
    }

    @Test func oneByteAtATimeGivesEveryObjectAsItsLastByteArrives() throws {
        var splitter = JSONObjectSplitter()
        var objects: [[UInt8]] = []
        for byte in Self.stream {
            let completed = try splitter.append([byte])
            #expect(completed.isEmpty || byte == UInt8(ascii: "}"))
            objects += completed
        }
        #expect(objects == Self.objects.map(bytes))
    }

    @Test func everySplitPointGivesTheSameObjects() throws {
        for cut in 0...Self.stream.count {
            var splitter = JSONObjectSplitter()
            let objects = try splitter.append(Self.stream[..<cut]) + splitter.append(Self.stream[cut...])
            #expect(objects == Self.objects.map(bytes), "cut at \(cut)")
        }
    }

    @Test func aPartialObjectWaitsForTheRest() throws {
        var splitter = JSONObjectSplitter()
        #expect(try splitter.append(bytes(#"  {"a":"}"#)) == [])
        #expect(!splitter.isAtBoundary)
        #expect(try splitter.append(bytes(#""}{"#)) == [bytes(#"{"a":"}"}"#)])
    }

    @Test func anObjectOverTheLimitOrBytesBetweenObjectsAreErrors() {
        var small = JSONObjectSplitter(objectBytesMax: 8)
        #expect(throws: EtcdError.self) { try small.append(bytes(#"{"a":"123456"}"#)) }
        var exact = JSONObjectSplitter(objectBytesMax: 8)
        #expect((try? exact.append(bytes(#"{"a":12}"#))) == [bytes(#"{"a":12}"#)])
        var garbage = JSONObjectSplitter()
        #expect(throws: EtcdError.self) { try garbage.append(bytes(#"{}x{}"#)) }
    }
}
