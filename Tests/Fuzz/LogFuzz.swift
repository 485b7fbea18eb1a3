// libFuzzer target for the log decoder (`make fuzz`; built by Tests/Fuzz/build.sh with -sanitize=fuzzer,address
// against the debug build of WAL). The input is a log segment file. Before recovery reads it, every checksum in it
// is made right (the segment header's and each batch's, chained), so mutations get past the CRC checks to the
// batch headers, LZ4 blocks, record decoding and replay behind them. Recovery must end in a recovered state or a
// `WALError`, never a trap, and a recovered log must replay to the same state a second time.

import Foundation
import SeatActors

@testable import Store
@testable import WAL

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLog(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    fixChecksums(&bytes)
    let firstLSN = bytes.count >= 24 ? max(1, littleEndian(bytes, 16, 8)) : 1
    let storage = SimulatedStorage()
    do {
        let file = try storage.open("/fuzz/wal/" + Format.segmentName(firstLSN: firstLSN), create: true)
        try file.write(bytes, at: 0)
        let first = try DataDirectory.open("/fuzz", storage: storage, repair: false)
        let again = try DataDirectory.open("/fuzz", storage: storage, repair: false)
        guard first.recovered.lastLSN == again.recovered.lastLSN, first.recovered.records == again.recovered.records
        else { fatalError("recovery of the same bytes gave two results") }
    } catch {
        // A refusal (WALError) is a correct outcome for damaged bytes.
    }
    return 0
}

/// Makes the segment header's CRC and every batch's CRC and chain right (layouts in Sources/WAL/Format.swift).
func fixChecksums(_ bytes: inout [UInt8]) {
    guard bytes.count >= Format.segmentHeaderBytes else { return }
    put(&bytes, 28, UInt64(CRC32C.checksum(bytes[0..<28])), count: 4)
    var previous = UInt32(littleEndian(bytes, 24, 4))
    var offset = Format.segmentHeaderBytes
    while offset + Format.batchHeaderBytes <= bytes.count, UInt32(littleEndian(bytes, offset, 4)) == Format.batchMagic {
        let stored = Int(littleEndian(bytes, offset + 24, 4))
        guard stored <= Format.batchBytesMax + 1_024, offset + Format.batchHeaderBytes + stored <= bytes.count else {
            return
        }
        put(&bytes, offset + 28, UInt64(previous), count: 4)
        let payload = bytes[(offset + Format.batchHeaderBytes)..<(offset + Format.batchHeaderBytes + stored)]
        let crc = CRC32C.checksum(payload, continuing: CRC32C.checksum(bytes[offset..<(offset + 32)]))
        put(&bytes, offset + 32, UInt64(crc), count: 4)
        previous = crc
        offset += Format.padded(Format.batchHeaderBytes + stored)
    }
}
