// libFuzzer target for the snapshot decoder (`make fuzz`; built by Tests/Fuzz/build.sh like log-fuzz). The input
// is a snapshot file. Its stored length and checksum are made right first, so mutations get past the header
// checks to the LZ4 block and the session images behind them. Loading it on the simulated disk (then replaying an
// empty log after it) must end in a state or an error, never a trap or an unbounded allocation.

import Foundation
import SeatActors

@testable import Store
@testable import WAL

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSnapshot(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let headerBytes = SnapshotStore.headerBytes
    guard bytes.count >= headerBytes else { return 0 }
    let lsn = littleEndian(bytes, 16, 8)
    // Layout in SnapshotStore.swift: stored length (u64 at 32) := what follows the header; CRC (u32 at 40) over
    // the first 40 bytes and the rest.
    let stored = UInt64(bytes.count - headerBytes)
    put(&bytes, 32, stored, count: 8)
    let crc = CRC32C.checksum(bytes[headerBytes...], continuing: CRC32C.checksum(bytes[0..<40]))
    put(&bytes, 40, UInt64(crc), count: 4)
    let storage = SimulatedStorage()
    let store = SnapshotStore(directory: "/fuzz/snapshots", storage: storage)
    do {
        let file = try storage.open(store.path(lsn), create: true)
        try file.write(bytes, at: 0)
        _ = try DataDirectory.open("/fuzz", storage: storage, repair: false)
    } catch {
        // A refusal is a correct outcome for damaged bytes.
    }
    return 0
}
