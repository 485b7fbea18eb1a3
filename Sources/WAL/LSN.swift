/// A log sequence number: the position of a record in the log, from 1, never reused (the domain's `LSN` is the
/// same type).
public typealias LSN = UInt64
