/// EXTEND's reply.
public struct Extension: Sendable, Equatable {
    public let holdID: HoldID
    public let expiresAtMs: Int64
}
