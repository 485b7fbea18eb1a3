import SeatActors

/// `name=value` options: each at most once, names case-insensitive, values case-sensitive.
struct RequestOptions {
    private var values: [String: Substring] = [:]

    init(_ tokens: ArraySlice<Substring>, allowed: Set<String>) throws(ProtocolError) {
        for token in tokens {
            guard let equals = token.firstIndex(of: "=") else { throw .bad("unexpected '\(token.prefix(16))'") }
            let name = String(token[..<equals]).lowercased()
            guard allowed.contains(name) else { throw .bad("unknown option \(name.prefix(16))") }
            guard self.values[name] == nil else { throw .bad("option \(name) given twice") }
            self.values[name] = token[token.index(after: equals)...]
        }
    }

    mutating func number(_ name: String, max: Int) throws(ProtocolError) -> Int? {
        guard let value = self.values[name] else { return nil }
        return try Request.number(value, name, max: max)
    }

    /// A whole number that may be 0 (`grace=0`).
    mutating func count(_ name: String, max: Int) throws(ProtocolError) -> Int? {
        guard let value = self.values[name] else { return nil }
        if value == "0" { return 0 }
        return try Request.number(value, name, max: max)
    }

    mutating func id(_ name: String) throws(ProtocolError) -> String? {
        guard let value = self.values[name] else { return nil }
        return try Request.id(value, name)
    }

    /// `orphans=avoid|allow` (since 1.1): true to avoid.
    mutating func orphans() throws(ProtocolError) -> Bool? {
        guard let value = self.values["orphans"] else { return nil }
        switch value {
        case "avoid": return true
        case "allow": return false
        default: throw .bad("orphans must be avoid or allow")
        }
    }

    /// `fallback=split` (since 1.1).
    mutating func fallback() throws(ProtocolError) -> Bool {
        guard let value = self.values["fallback"] else { return false }
        guard value == "split" else { throw .bad("fallback must be split") }
        return true
    }
}
