#if canImport(Glibc)
import Glibc
#endif

extension CLIPipe {
    /// Calls `line` with every line of standard input that is not empty or only spaces (without its LF, and without
    /// a CR before it), then `chunkDone` after each read(2), so the caller can send what the chunk held.
    static func readLines(
        _ line: (UnsafeBufferPointer<UInt8>) -> Void, chunkDone: () -> Void = {}
    ) {
        var chunk = [UInt8](repeating: 0, count: Self.chunkBytes)
        var partial: [UInt8] = []
        while true {
            let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            var start = 0
            for index in 0..<count where chunk[index] == UInt8(ascii: "\n") {
                if partial.isEmpty {
                    chunk.withUnsafeBufferPointer { Self.emit(UnsafeBufferPointer(rebasing: $0[start..<index]), line) }
                } else {
                    partial.append(contentsOf: chunk[start..<index])
                    partial.withUnsafeBufferPointer { Self.emit($0, line) }
                    partial.removeAll(keepingCapacity: true)
                }
                start = index + 1
            }
            partial.append(contentsOf: chunk[start..<count])
            chunkDone()
        }
        partial.withUnsafeBufferPointer { Self.emit($0, line) }
    }

    /// `bytes` without a trailing CR, unless nothing but spaces is left.
    private static func emit(_ bytes: UnsafeBufferPointer<UInt8>, _ line: (UnsafeBufferPointer<UInt8>) -> Void) {
        var end = bytes.count
        if end > 0 && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let text = UnsafeBufferPointer(rebasing: bytes[0..<end])
        guard text.contains(where: { $0 != UInt8(ascii: " ") }) else { return }
        line(text)
    }
}
