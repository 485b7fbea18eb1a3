import NIOCore
import Store
import WAL

/// Reads replication frames (`ReplicationFrame`) off a connection: waits for a frame's whole body, then decodes
/// it (checksum, fields); a frame over `bodyBytesMax`, damaged or malformed, closes the connection.
struct ReplicationFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ReplicationFrame
    let bodyBytesMax: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: UInt32.self) else {
            return .needMoreData
        }
        guard Int(length) <= self.bodyBytesMax else { throw ReplicationFrame.DecodeError.tooLarge(Int(length)) }
        let total = ReplicationFrame.headerBytes + Int(length)
        guard buffer.readableBytes >= total, let bytes = buffer.readBytes(length: total) else { return .needMoreData }
        guard let (frame, _) = try ReplicationFrame.decode(bytes[...], bodyBytesMax: self.bodyBytesMax) else {
            throw ReplicationFrame.DecodeError.malformed("a whole frame read as incomplete")
        }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }
}

extension ReplicationFrame {
    /// The frame as a buffer to write: `encode()`'s bytes. A batch's payload is copied once, straight into the
    /// buffer (it is written on the log's thread, before the primary's fsync).
    var buffer: ByteBuffer {
        guard case .batch(let epoch, let batch) = self else { return ByteBuffer(bytes: self.encode()) }
        let head = Self.batchHead(epoch: epoch, batch)
        var buffer = ByteBufferAllocator().buffer(capacity: Self.headerBytes + head.count + batch.payload.count)
        buffer.writeInteger(UInt32(head.count + batch.payload.count), endianness: .little)
        buffer.writeInteger(CRC32C.checksum(batch.payload, continuing: CRC32C.checksum(head)), endianness: .little)
        buffer.writeBytes(head)
        buffer.writeBytes(batch.payload)
        return buffer
    }
}
