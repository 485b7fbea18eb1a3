import Foundation

/// Reading the gateway's fields: 64-bit integers that come as strings, base64 bytes, and a missing field as the
/// zero value.
extension KeyedDecodingContainer {
    /// A 64-bit integer sent as a string (or, leniently, as a number); 0 when the field is absent.
    func int64(_ key: Key) throws -> Int64 {
        if let text = try? self.decodeIfPresent(String.self, forKey: key) {
            guard let value = Int64(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: self, debugDescription: "not a 64-bit integer: \(text)")
            }
            return value
        }
        return try self.decodeIfPresent(Int64.self, forKey: key) ?? 0
    }

    /// A gRPC code or HTTP status, which the gateway sends as a JSON number; 0 when absent.
    func int(_ key: Key) throws -> Int {
        try self.decodeIfPresent(Int.self, forKey: key) ?? 0
    }

    /// Base64 bytes; empty when the field is absent.
    func bytes(_ key: Key) throws -> [UInt8] {
        try self.decodeIfPresent(Data.self, forKey: key).map { [UInt8]($0) } ?? []
    }

    /// A boolean; false when the field is absent.
    func bool(_ key: Key) throws -> Bool {
        try self.decodeIfPresent(Bool.self, forKey: key) ?? false
    }

    /// A string; empty when the field is absent.
    func string(_ key: Key) throws -> String {
        try self.decodeIfPresent(String.self, forKey: key) ?? ""
    }

    /// A list; empty when the field is absent.
    func list<Element: Decodable>(_ key: Key, of type: Element.Type = Element.self) throws -> [Element] {
        try self.decodeIfPresent([Element].self, forKey: key) ?? []
    }
}
