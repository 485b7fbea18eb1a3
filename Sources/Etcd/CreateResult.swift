/// What `createIfAbsent` found: the key was free and is now ours, or somebody holds it.
public enum CreateResult: Sendable, Hashable {
    /// The key was absent and is now created at this revision, which is also its create revision (the epoch).
    case created(revision: Int64)
    /// The key already exists: its holder's value, lease and create revision.
    case exists(KeyValue)
}
