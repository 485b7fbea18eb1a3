/// BEST and ANY: choosing seats nearest the hall's centre (see `Hall+Distance.swift` for the geometry).
extension SeatMap {
    /// The free block of `count` adjacent seats with the smallest distance; ties to the lower row index, then the
    /// lower first seat. Throws `.soldOut` with fewer free seats than `count`, `.noAdjacent` with no block.
    func bestBlock(of count: Int, in hall: Hall) throws(SeatError) -> [Int] {
        guard self.freeCount >= count else { throw .soldOut(requested: count, free: self.freeCount) }
        var best: (distance: Int, row: Int, first: Int)? = nil
        for rowIndex in hall.rowsByDistance {
            if let found = best, hall.rowDistance4(rowIndex: rowIndex) > found.distance { break }
            for segment in hall.segments[hall.segmentsOfRow[rowIndex]] {
                guard segment.seatCount >= count,
                    let candidate = self.bestStart(of: count, in: segment, hall: hall)
                else { continue }
                let key = (candidate.distance, rowIndex, candidate.first)
                if best == nil || key < best! { best = key }
            }
        }
        guard let found = best else { throw .noAdjacent(count) }
        return Array(found.first..<(found.first + count))
    }

    /// The best start of a block of `count` free seats inside one segment: the start whose block centre is
    /// nearest the row centre, searched in every free run long enough.
    private func bestStart(of count: Int, in segment: Hall.Segment, hall: Hall) -> (distance: Int, first: Int)? {
        let row = hall.rows[segment.rowIndex]
        let end = segment.firstIndex + segment.seatCount
        // The ideal first seat number: 2a + count - 1 == lo + hi, rounded down (the lower seat wins ties).
        let idealNumber = Int((Double(row.lowNumber + row.highNumber - count + 1) / 2).rounded(.down))
        let idealIndex = segment.firstIndex + (idealNumber - segment.firstNumber)
        var best: (distance: Int, first: Int)? = nil
        var runStart = self.nextFree(from: segment.firstIndex, below: end)
        while runStart < end {
            let runEnd = self.nextOccupied(from: runStart, below: end)
            if runEnd - runStart >= count {
                let first = Swift.min(Swift.max(idealIndex, runStart), runEnd - count)
                let number = segment.firstNumber + (first - segment.firstIndex)
                let distance = hall.distance4(rowIndex: segment.rowIndex, firstNumber: number,
                                              lastNumber: number + count - 1)
                if best == nil || distance < best!.distance { best = (distance, first) }
            }
            runStart = self.nextFree(from: runEnd, below: end)
        }
        return best
    }

    /// The `count` free seats nearest the centre, each on its own; in hall order. Throws `.soldOut`.
    func anySeats(_ count: Int, in hall: Hall) throws(SeatError) -> [Int] {
        guard self.freeCount >= count else { throw .soldOut(requested: count, free: self.freeCount) }
        var chosen: [Int] = []
        chosen.reserveCapacity(count)
        for index in hall.preferenceOrder where self.isFree(Int(index)) {
            chosen.append(Int(index))
            if chosen.count == count { break }
        }
        return chosen.sorted()
    }
}
