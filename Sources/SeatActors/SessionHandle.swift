/// A session's identity in the log: the LSN of the record that created it. Unique for the life of the data
/// directory, so a record of a dropped session can never apply to a new session of the same id.
public typealias SessionHandle = UInt64
