/// Cuts a byte stream of JSON objects written one after another (the watch's chunked body) into whole objects,
/// wherever the chunks happen to end: an object may span chunks, and one chunk may hold several.
///
/// It tracks only what decides where an object ends: nesting depth, whether it is inside a string, and whether
/// the last byte was a backslash inside one. It does not validate the JSON; the decoder does that per object.
/// Whitespace between objects is skipped; anything else outside an object is an error.
struct JSONObjectSplitter {
    /// The longest object accepted, in bytes.
    let objectBytesMax: Int
    private var object: [UInt8] = []
    private var depth = 0
    private var inString = false
    private var escaped = false

    /// A splitter that refuses objects longer than `objectBytesMax` bytes.
    init(objectBytesMax: Int = EtcdLimits.watchObjectBytesMax) {
        self.objectBytesMax = objectBytesMax
    }

    /// Takes the next bytes of the stream and returns the objects they complete, in order.
    mutating func append(_ bytes: some Sequence<UInt8>) throws(EtcdError) -> [[UInt8]] {
        var objects: [[UInt8]] = []
        for byte in bytes {
            guard try self.take(byte) else { continue }
            objects.append(self.object)
            self.object.removeAll(keepingCapacity: true)
        }
        return objects
    }

    /// True when there is no partial object waiting for more bytes.
    var isAtBoundary: Bool {
        self.depth == 0
    }

    /// Takes one byte; true when it closed an object.
    private mutating func take(_ byte: UInt8) throws(EtcdError) -> Bool {
        if self.depth == 0 {
            if Self.isWhitespace(byte) { return false }
            guard byte == UInt8(ascii: "{") else {
                throw .decoding("watch stream: expected '{' between objects, found byte \(byte)")
            }
        }
        guard self.object.count < self.objectBytesMax else {
            throw .decoding("watch stream: an object longer than \(self.objectBytesMax) bytes")
        }
        self.object.append(byte)
        if self.inString {
            self.takeInString(byte)
            return false
        }
        switch byte {
        case UInt8(ascii: "\""): self.inString = true
        case UInt8(ascii: "{"), UInt8(ascii: "["): self.depth += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"): self.depth -= 1
        default: break
        }
        return self.depth == 0
    }

    private mutating func takeInString(_ byte: UInt8) {
        if self.escaped {
            self.escaped = false
        } else if byte == UInt8(ascii: "\\") {
            self.escaped = true
        } else if byte == UInt8(ascii: "\"") {
            self.inString = false
        }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
            || byte == UInt8(ascii: "\t")
    }
}
