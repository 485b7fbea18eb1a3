/// A JSON document written field by field into a string: the HTTP port's few shapes need no encoder, and its
/// values are mostly ids and numbers. Strings are escaped all the same.
struct JSONText {
    private(set) var text = ""

    init(capacity: Int = 256) { self.text.reserveCapacity(capacity) }

    mutating func raw(_ fragment: String) { self.text += fragment }

    /// `"<value>"`, escaped.
    mutating func string(_ value: String) {
        self.text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": self.text += "\\\""
            case "\\": self.text += "\\\\"
            case "\n": self.text += "\\n"
            case "\r": self.text += "\\r"
            case "\t": self.text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                self.text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: self.text.unicodeScalars.append(scalar)
            }
        }
        self.text += "\""
    }

    /// `"<key>":` (keys are the code's own).
    mutating func key(_ key: StaticString) { self.text += "\"\(key)\":" }

    mutating func field(_ key: StaticString, _ value: String) {
        self.key(key)
        self.string(value)
    }

    mutating func field(_ key: StaticString, _ value: some BinaryInteger) { self.text += "\"\(key)\":\(value)" }

    /// `[...]` of `items`, each written by `write`, comma-separated.
    mutating func list<Items: Sequence>(_ items: Items, _ write: (inout JSONText, Items.Element) -> Void) {
        self.text += "["
        for (index, item) in items.enumerated() {
            if index > 0 { self.text += "," }
            write(&self, item)
        }
        self.text += "]"
    }

    /// `{...}` with the fields `write` writes (comma-separated by it).
    mutating func object(_ write: (inout JSONText) -> Void) {
        self.text += "{"
        write(&self)
        self.text += "}"
    }
}
