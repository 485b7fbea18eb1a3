import Crypto
import Foundation
import WAL

/// The frames' bytes: `encode`, and `decode` of what a connection has read so far.
extension ReplicationFrame {
    /// Why bytes are not a frame: the connection is then closed.
    public enum DecodeError: Error, Equatable {
        case tooLarge(Int)
        case checksum
        case malformed(String)
    }

    /// The frame with its header.
    public func encode() -> [UInt8] {
        var body = ByteWriter()
        switch self {
        case .challenge(let nonce):
            body.u8(1)
            body.bytes += nonce
        case .hello(let hello):
            body.u8(2)
            hello.encodeFields(into: &body)
            body.bytes += hello.proof
        case .batch(let epoch, let batch):
            body.bytes += Self.batchHead(epoch: epoch, batch)
            body.bytes += batch.payload
        case .ack(let epoch, let lsn):
            body.u8(4)
            body.u64(epoch)
            body.u64(lsn)
        case .refused(let reason):
            body.u8(5)
            body.string(reason)
        case .snapshot(let epoch, let lsn, let version, let payload):
            body.u8(6)
            body.u64(epoch)
            body.u64(lsn)
            body.u16(version)
            body.bytes += payload
        case .handover(let epoch):
            body.u8(7)
            body.u64(epoch)
        }
        var frame = ByteWriter()
        frame.u32(UInt32(body.bytes.count))
        frame.u32(CRC32C.checksum(body.bytes))
        frame.bytes += body.bytes
        return frame.bytes
    }

    /// A batch frame's body before its payload: kind, epoch, first LSN, time, record count and ends.
    public static func batchHead(epoch: UInt64, _ batch: LogBatch) -> [UInt8] {
        var head = ByteWriter()
        head.u8(3)
        head.u64(epoch)
        head.u64(batch.firstLSN)
        head.u64(UInt64(bitPattern: batch.atMs))
        head.varint(batch.recordEnds.count)
        for end in batch.recordEnds { head.varint(end) }
        return head.bytes
    }

    /// The first frame in `bytes` and how many bytes it took, or nil while it is incomplete.
    public static func decode(
        _ bytes: ArraySlice<UInt8>, bodyBytesMax: Int = Self.bodyBytesMax
    ) throws(DecodeError) -> (frame: ReplicationFrame, bytes: Int)? {
        guard bytes.count >= Self.headerBytes else { return nil }
        var header = ByteReader(bytes.prefix(Self.headerBytes))
        guard let length = try? Int(header.u32()), let crc = try? header.u32() else { return nil }
        guard length <= bodyBytesMax else { throw .tooLarge(length) }
        guard bytes.count >= Self.headerBytes + length else { return nil }
        let start = bytes.startIndex + Self.headerBytes
        let body = bytes[start..<(start + length)]
        guard CRC32C.checksum(body) == crc else { throw .checksum }
        do {
            return (try Self.decodeBody(body), Self.headerBytes + length)
        } catch {
            throw .malformed("\(error)")
        }
    }

    private static func decodeBody(_ body: ArraySlice<UInt8>) throws(WALError) -> ReplicationFrame {
        var reader = ByteReader(body)
        let frame: ReplicationFrame
        switch try reader.u8() {
        case 1: frame = .challenge(nonce: try reader.fixedBytes(Self.nonceBytes))
        case 2: frame = .hello(try Hello.decode(&reader))
        case 3: frame = .batch(epoch: try reader.u64(), try Self.decodeBatch(&reader))
        case 4: frame = .ack(epoch: try reader.u64(), lsn: try reader.u64())
        case 5: frame = .refused(try reader.string(maxBytes: 4_096))
        case 6:
            let (epoch, lsn, version) = (try reader.u64(), try reader.u64(), try reader.u16())
            frame = .snapshot(
                epoch: epoch, lsn: lsn, version: version, payload: Array(reader.bytes[reader.position...]))
            reader.position = reader.bytes.endIndex
        case 7: frame = .handover(epoch: try reader.u64())
        case let kind: throw .corrupt("unknown frame kind \(kind)")
        }
        guard reader.isAtEnd else { throw .corrupt("bytes left after the frame") }
        return frame
    }

    private static func decodeBatch(_ reader: inout ByteReader) throws(WALError) -> LogBatch {
        let first = try reader.u64()
        let atMs = Int64(bitPattern: try reader.u64())
        let count = try reader.int(max: Format.batchBytesMax)
        var ends: [Int] = []
        for _ in 0..<count { ends.append(try reader.int(max: Format.batchBytesMax)) }
        let payload = Array(reader.bytes[reader.position...])
        reader.position = reader.bytes.endIndex
        let batch = LogBatch(firstLSN: first, atMs: atMs, payload: payload, recordEnds: ends)
        guard batch.isWellFormed else { throw .corrupt("a batch whose record ends do not fit its bytes") }
        return batch
    }
}

extension ReplicationFrame.Hello {
    func encodeFields(into writer: inout ByteWriter) {
        writer.string(self.cluster)
        writer.string(self.shard)
        writer.string(self.node)
        writer.u64(self.epoch)
        writer.u64(self.lsn)
    }

    static func decode(_ reader: inout ByteReader) throws(WALError) -> Self {
        var hello = Self(
            cluster: try reader.string(maxBytes: 64), shard: try reader.string(maxBytes: 64),
            node: try reader.string(maxBytes: 64), epoch: try reader.u64(), lsn: try reader.u64(), proof: [])
        hello.proof = try reader.fixedBytes(ReplicationFrame.nonceBytes)
        return hello
    }

    /// HMAC-SHA256, keyed with the cluster's secret, over the primary's nonce and this hello's fields: proves the
    /// standby knows the secret without sending it, and binds the proof to this connection and these fields.
    public static func proof(secret: String, nonce: [UInt8], fields: Self) -> [UInt8] {
        var message = ByteWriter()
        message.bytes += nonce
        fields.encodeFields(into: &message)
        let key = SymmetricKey(data: Array(secret.utf8))
        return Array(HMAC<SHA256>.authenticationCode(for: message.bytes, using: key))
    }

    /// True when `proof` is the proof of these fields for `nonce` under `secret` (compared in constant time).
    public func isProven(secret: String, nonce: [UInt8]) -> Bool {
        let expected = Self.proof(secret: secret, nonce: nonce, fields: self)
        guard expected.count == self.proof.count else { return false }
        return zip(expected, self.proof).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension ByteReader {
    /// The next `count` bytes.
    mutating func fixedBytes(_ count: Int) throws(WALError) -> [UInt8] {
        guard self.position + count <= self.bytes.endIndex else { throw .corrupt("frame ends early") }
        defer { self.position += count }
        return Array(self.bytes[self.position..<(self.position + count)])
    }
}
