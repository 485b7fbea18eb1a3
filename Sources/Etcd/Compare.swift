/// One condition of a transaction (`etcdserverpb.Compare`): a key's revision, version or value against a given one.
/// A key that does not exist has create revision, mod revision and version 0.
public struct Compare: Sendable, Hashable {
    /// How the key's field relates to the given operand (`result` in etcd's JSON).
    public enum Relation: String, Sendable, Hashable {
        /// The field equals the operand.
        case equal = "EQUAL"
        /// The field is greater than the operand.
        case greater = "GREATER"
        /// The field is less than the operand.
        case less = "LESS"
        /// The field differs from the operand.
        case notEqual = "NOT_EQUAL"
    }

    /// The field compared and the operand it is compared with (`target` and its value in etcd's JSON).
    public enum Target: Sendable, Hashable {
        /// The key's create revision (`CREATE`).
        case createRevision(Int64)
        /// The key's last modification revision (`MOD`).
        case modRevision(Int64)
        /// The number of writes since the key was created (`VERSION`).
        case version(Int64)
        /// The key's value (`VALUE`).
        case value([UInt8])
        /// The lease the key is attached to (`LEASE`).
        case lease(Int64)
    }

    /// The key whose field is compared.
    public var key: [UInt8]
    /// How the field must relate to the operand.
    public var relation: Relation
    /// The field and the operand.
    public var target: Target

    /// A condition on `key`: its `target` field `relation` the target's operand.
    public init(key: [UInt8], _ relation: Relation, _ target: Target) {
        self.key = key
        self.relation = relation
        self.target = target
    }

    /// The key's create revision compared with `revision` (`== 0`: the key is absent).
    public static func createRevision(_ key: [UInt8], _ relation: Relation, _ revision: Int64) -> Compare {
        Compare(key: key, relation, .createRevision(revision))
    }

    /// The key's mod revision compared with `revision`.
    public static func modRevision(_ key: [UInt8], _ relation: Relation, _ revision: Int64) -> Compare {
        Compare(key: key, relation, .modRevision(revision))
    }

    /// The key's version compared with `version`.
    public static func version(_ key: [UInt8], _ relation: Relation, _ version: Int64) -> Compare {
        Compare(key: key, relation, .version(version))
    }

    /// The key's value compared with `value`.
    public static func value(_ key: [UInt8], _ relation: Relation, _ value: [UInt8]) -> Compare {
        Compare(key: key, relation, .value(value))
    }
}
