import SeatActors
import WAL

/// How log records and snapshots store seat lists and GA place lists: one writer and one reader for both.
///
/// Places are a count, then (area index, places) pairs by area index ascending, in records and snapshots alike.
/// Seat lists are a count, then the ascending dense indices, in one of two forms that differ only in how an index is
/// stored: log records (format version 1) store each index as its delta from the one before (the first from -1, so
/// every delta is >= 1); snapshots (versions 1 to 4) store the index itself. Both forms stay, so that every log and
/// snapshot already written loads byte for byte (and a snapshot keeps a version the previous build reads).
enum SeatListForm {
    /// Each index less the one before (the first less -1): log records.
    case deltas
    /// Each index as it is: snapshots.
    case indices
}

extension ByteWriter {
    /// Appends a seat list (dense indices, ascending) in `form`.
    mutating func seats(_ seats: [Int32], as form: SeatListForm) {
        self.varint(seats.count)
        var previous: Int32 = -1
        for seat in seats {
            switch form {
            case .deltas: self.varint(Int(seat - previous))
            case .indices: self.varint(Int(seat))
            }
            previous = seat
        }
    }

    /// Appends a place list (by area index ascending).
    mutating func places(_ places: [PlaceCount]) {
        self.varint(places.count)
        for place in places {
            self.varint(place.area)
            self.varint(place.count)
        }
    }
}

extension ByteReader {
    /// Reads a seat list in `form`: at most `capacity` seats, each below `capacity`, strictly ascending; empty only
    /// when `orNone`.
    mutating func seats(as form: SeatListForm, below capacity: Int, orNone: Bool) throws(WALError) -> [Int32] {
        let count = try self.int(max: capacity)
        guard count >= 1 || orNone else { throw .corrupt("empty seat list") }
        var seats: [Int32] = []
        seats.reserveCapacity(count)
        var previous = -1
        for _ in 0..<count {
            let seat: Int
            switch form {
            case .deltas:
                let delta = try self.int(max: capacity)
                guard delta >= 1 else { throw .corrupt("seat list not ascending") }
                seat = previous + delta
            case .indices:
                seat = try self.int(max: max(capacity - 1, 0))
                guard seat > previous else { throw .corrupt("seat list not ascending") }
            }
            guard seat < capacity else { throw .corrupt("seat index \(seat)") }
            seats.append(Int32(seat))
            previous = seat
        }
        return seats
    }

    /// Reads a place list: at most `areaCount` entries, each of an area below `areaCount` with 1 to
    /// `capacity(area)` places, strictly ascending by area; empty only when `orNone`.
    mutating func places(
        areasBelow areaCount: Int, orNone: Bool, capacity: (Int) -> Int
    ) throws(WALError)
        -> [PlaceCount]
    {
        let count = try self.int(max: areaCount)
        guard count >= 1 || orNone else { throw .corrupt("empty place list") }
        var places: [PlaceCount] = []
        for _ in 0..<count {
            let area = try self.int(max: max(areaCount - 1, 0))
            guard area < areaCount, places.last.map({ $0.area < area }) ?? true else {
                throw .corrupt("places not ascending")
            }
            let count = try self.int(max: capacity(area))
            guard count >= 1 else { throw .corrupt("no places") }
            places.append(PlaceCount(area: area, count: count))
        }
        return places
    }
}
