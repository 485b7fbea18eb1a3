// libFuzzer target for the request parser (`make fuzz`; built by Tests/Fuzz/build.sh with -sanitize=fuzzer,address
// together with Sources/Server/Request*.swift). The input is what a client sends: it is cut into lines as the
// server's line decoder does (LF, a CR before it dropped) and each line goes through `Request.parse`.
// Properties checked beyond "never traps": parsing is deterministic, a request that parses means the same with
// every run of spaces between its tokens doubled (the protocol separates tokens by one or more spaces), the
// error reply to one that does not is one line of printable ASCII, whatever bytes the request held, and the fast
// path for the hot requests (`Request.parseFast`, on the line's bytes) gives what the general parser gives
// whenever it gives anything.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    for var line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        let text = String(decoding: line, as: UTF8.self)
        let first = Request.parse(text[...])
        if let fast = Request.parseFast(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: line))) {
            guard first == .success(fast) else {
                fatalError(
                    "the fast path parses \(text.debugDescription) as \(fast), the parser as \(String(describing: first))"
                )
            }
        }
        guard Request.parse(text[...]) == first else {
            fatalError("parse is not deterministic for \(text.debugDescription)")
        }
        if case .failure(let error) = first {
            let reply = Reply.error(error.code.code, error.message)
            guard reply.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
                fatalError("the reply to \(text.debugDescription) is not printable ASCII: \(reply.debugDescription)")
            }
        }
        if case .success(let request) = first {
            let spaced = text.split(separator: " ", omittingEmptySubsequences: false).joined(separator: "  ")
            guard Request.parse(spaced[...]) == .success(request) else {
                fatalError("\(text.debugDescription) parses, \(spaced.debugDescription) does not parse the same")
            }
        }
    }
    return 0
}
