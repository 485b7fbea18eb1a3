import Testing

@testable import Store
@testable import WAL

/// Goal: the replication connection's frames read back as they were written, whole or a byte at a time; damaged,
/// oversized or malformed frames are refused, never trusted; a standby's hello proves the cluster's secret
/// without sending it. Method: encode, then decode from every prefix; flip bytes; forge proofs.
struct ReplicationFrameTests {
    static let nonce = [UInt8](repeating: 7, count: ReplicationFrame.nonceBytes)

    static var frames: [ReplicationFrame] {
        var hello = ReplicationFrame.Hello(cluster: "seatd", shard: "s1", node: "n2", epoch: 41, lsn: 1_000, proof: [])
        hello.proof = ReplicationFrame.Hello.proof(secret: "a secret of 16 bytes", nonce: Self.nonce, fields: hello)
        let batch = LogBatch(firstLSN: 1_001, atMs: 1_733_000_000_000, payload: [1, 2, 3, 4, 5], recordEnds: [2, 5])
        return [
            .challenge(nonce: Self.nonce), .hello(hello), .batch(epoch: 41, batch), .ack(epoch: 41, lsn: 1_002),
            .refused("not of this shard"),
        ]
    }

    @Test func everyFrameReadsBackWholeAndNotBeforeItsLastByte() throws {
        var stream: [UInt8] = []
        for frame in Self.frames { stream += frame.encode() }
        var offset = 0
        var decoded: [ReplicationFrame] = []
        var fed = 0
        // A byte at a time: nothing until a frame is whole, then exactly that frame.
        while fed < stream.count {
            fed += 1
            while let (frame, used) = try ReplicationFrame.decode(stream[offset..<fed]) {
                decoded.append(frame)
                offset += used
            }
        }
        #expect(decoded == Self.frames)
        #expect(offset == stream.count)
    }

    @Test func aDamagedOversizedOrMalformedFrameIsRefused() throws {
        var bytes = ReplicationFrame.ack(epoch: 3, lsn: 9).encode()
        bytes[bytes.count - 1] ^= 0x40
        #expect(throws: ReplicationFrame.DecodeError.checksum) { try ReplicationFrame.decode(bytes[...]) }

        var huge = ByteWriter()
        huge.u32(UInt32(ReplicationFrame.bodyBytesMax + 1))
        huge.u32(0)
        #expect(throws: ReplicationFrame.DecodeError.self) { try ReplicationFrame.decode(huge.bytes[...]) }

        // Well checksummed, but not a frame: an unknown kind, and a batch whose ends do not fit its bytes.
        for body in [[UInt8]([9, 0]), [3] + [UInt8](repeating: 0, count: 24) + [1, 9, 1, 2]] {
            var frame = ByteWriter()
            frame.u32(UInt32(body.count))
            frame.u32(CRC32C.checksum(body))
            frame.bytes += body
            #expect(throws: ReplicationFrame.DecodeError.self) { try ReplicationFrame.decode(frame.bytes[...]) }
        }
    }

    @Test func aHelloProvesTheSecretForThisNonceAndTheseFieldsOnly() {
        guard case .hello(let hello) = Self.frames[1] else {
            Issue.record("no hello")
            return
        }
        #expect(hello.isProven(secret: "a secret of 16 bytes", nonce: Self.nonce))
        #expect(!hello.isProven(secret: "another secret, 16+", nonce: Self.nonce))
        #expect(!hello.isProven(secret: "a secret of 16 bytes", nonce: [UInt8](repeating: 8, count: 32)))
        var claimed = hello
        claimed.epoch += 1
        #expect(!claimed.isProven(secret: "a secret of 16 bytes", nonce: Self.nonce))
        var other = hello
        other.shard = "s2"
        #expect(!other.isProven(secret: "a secret of 16 bytes", nonce: Self.nonce))
    }
}
