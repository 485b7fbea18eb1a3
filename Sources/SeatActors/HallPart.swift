/// A part of a hall beside its rows (since protocol 1.1): a general-admission area, a price category or a seat
/// flag. CREATE HALL takes them as tokens after (or among) the row specs:
/// - `ga:<area>=<capacity>`: `<capacity>` places (1...1,000,000) without a seat map;
/// - `cat:<category>=<targets>`: seats, same-row ranges and areas of a price category (`cat:vip=B5-B15,C5-C15`,
///   `cat:standing=pit`); a seat or area belongs to at most one category;
/// - `flag:<flag>=<seats>`: an attribute of seats (`flag:wheelchair=A1,A2`); a seat may have several.
public enum HallPart: Hashable, Sendable, CustomStringConvertible {
    case area(String, capacity: Int)
    case category(String, [HallTarget])
    case flag(String, [HallTarget])

    /// The most places one area may have.
    public static let areaCapacityMax = 1_000_000
    /// The most areas, categories and flags one hall may have, each.
    public static let perKindMax = 64

    /// True when a CREATE HALL token is a part rather than a row spec: a `:` before its `=`.
    public static func isPart(_ token: Substring) -> Bool {
        guard let colon = token.firstIndex(of: ":") else { return false }
        guard let equals = token.firstIndex(of: "=") else { return true }
        return colon < equals
    }

    /// Parses one part; throws `.badRequest` naming what is wrong (an unknown prefix among it).
    public init(parsing text: Substring) throws(SeatError) {
        guard let colon = text.firstIndex(of: ":") else { throw .badRequest("'\(text.prefix(32))' is not a hall part") }
        let prefix = text[..<colon]
        let rest = text[text.index(after: colon)...]
        guard let equals = rest.firstIndex(of: "=") else {
            throw .badRequest("hall part '\(text.prefix(32))' needs the form \(prefix):<name>=<value>")
        }
        let name = rest[..<equals]
        let value = rest[rest.index(after: equals)...]
        switch prefix {
        case "ga":
            guard Self.isAreaName(name) else {
                throw .badRequest(
                    "area name '\(name.prefix(32))' must be a lowercase letter then up to 31 of a-z 0-9 _ -")
            }
            guard let capacity = Self.count(value), capacity <= Self.areaCapacityMax else {
                throw .badRequest("area \(name): capacity must be a whole number from 1 to \(Self.areaCapacityMax)")
            }
            self = .area(String(name), capacity: capacity)
        case "cat", "flag":
            guard Identifier.isValid(name) else {
                throw .badRequest(
                    "\(prefix) name must be 1-\(Limits.idCharactersMax) characters of A-Z a-z 0-9 . _ : -")
            }
            var targets: [HallTarget] = []
            for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                let target = try HallTarget(parsing: item)
                if prefix == "flag", case .area = target {
                    throw .badRequest("flag \(name): flags are for seats, not areas (\(item))")
                }
                targets.append(target)
            }
            self = prefix == "cat" ? .category(String(name), targets) : .flag(String(name), targets)
        default:
            throw .badRequest("unknown hall part '\(prefix.prefix(16)):'; parts are ga:, cat: and flag:")
        }
    }

    /// The part as CREATE HALL takes it.
    public var description: String {
        switch self {
        case .area(let name, let capacity): "ga:\(name)=\(capacity)"
        case .category(let name, let targets): "cat:\(name)=" + targets.map(\.description).joined(separator: ",")
        case .flag(let name, let targets): "flag:\(name)=" + targets.map(\.description).joined(separator: ",")
        }
    }

    /// True for an area name: `[a-z][a-z0-9_-]{0,31}`, so it never looks like a seat or a row label.
    public static func isAreaName(_ text: Substring) -> Bool {
        let utf8 = text.utf8
        guard let first = utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first), utf8.count <= 32
        else { return false }
        return utf8.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
        }
    }

    /// A positive decimal without sign or leading zero.
    static func count(_ text: Substring) -> Int? {
        guard let first = text.utf8.first, first != UInt8(ascii: "0"), text.utf8.count <= 9,
            text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return Int(text)
    }
}
