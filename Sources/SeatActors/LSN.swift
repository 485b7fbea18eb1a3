/// A log sequence number: every change gets the next one, and events carry it as their `seq`.
public typealias LSN = UInt64
