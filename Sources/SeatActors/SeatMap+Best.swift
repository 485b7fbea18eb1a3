/// BEST and ANY: choosing seats nearest the hall's centre (see `Hall+Distance.swift` for the geometry).
///
/// Since 1.1 both choose among the seats an `Availability` allows (a category, a flag, a channel's reserved
/// seats), BEST may avoid orphans, and BEST may split a block it cannot find.
///
/// An *orphan* is an open seat (neither held, sold nor blocked) whose neighbours on both sides of its adjacency run
/// are not open or the run's end: a single seat nobody will buy. Taking the block `a..<a+n` can leave an orphan
/// only just outside it, at `a-1` or `a+n`, and can remove one only when the block is itself a single orphan seat.
/// Worked example, row `A=8` with A1 and A8 sold (`x......x`), BEST 2 with orphans=avoid: the v1 choice is the
/// centre pair A4-A5, leaving `x..hh..x`: no orphan, so it stays. With A1 and A7 sold (`x.....x.`), the centre
/// pair for the numbers 1...8 is A4-A5 -> `x..hh.x.`: A6 becomes an orphan (A7 is sold), so BEST moves to the
/// nearest start that leaves none: A5-A6 -> `x...hhx.` (A8 was an orphan before and still is: no more than before).
extension SeatMap {
    /// The free block of `count` adjacent seats with the smallest distance; ties to the lower row index, then the
    /// lower first seat. Throws `.soldOut` with fewer free seats than `count`, `.noAdjacent` with no block.
    func bestBlock(of count: Int, in hall: Hall) throws(SeatError) -> [Int] {
        try self.bestBlock(
            of: count, in: hall, from: self.availability(channel: nil, masks: [], avoidingOrphans: false))
    }

    /// BEST among `available`: with `available.open`, blocks that leave the row no more orphans than before come
    /// first; among those (or among all, when none does) the v1 rule decides.
    func bestBlock(of count: Int, in hall: Hall, from available: Availability) throws(SeatError) -> [Int] {
        guard let first = Self.bestStart(of: count, in: hall, from: available) else {
            // Found a block: there were enough seats. Not found: which error depends on how many there are.
            let free = available.count
            throw free < count ? .soldOut(requested: count, free: free) : .noAdjacent(count)
        }
        return Array(first..<(first + count))
    }

    /// `fallback=split`: BEST, or where no block of `count` exists, blocks: repeatedly the BEST block of
    /// min(remaining, the largest available block) until `count` seats are chosen. Hall order.
    /// Worked example, row `A=6` with A3 sold (`..x...`), BEST 4 with fallback=split: no block of 4; the largest is
    /// 3 (A4-A6), taken first; then the best block of 1 among A1, A2 is A2 (nearer the centre): `.hxhhh`.
    func splitBlocks(of count: Int, in hall: Hall, from given: Availability) throws(SeatError) -> [Int] {
        let free = given.count
        guard free >= count else { throw .soldOut(requested: count, free: free) }
        // A block that exists is taken whole, as without the option (and without scanning for the largest one).
        if let first = Self.bestStart(of: count, in: hall, from: given) { return Array(first..<(first + count)) }
        var available = given
        var chosen: [Int] = []
        while chosen.count < count {
            let size = min(count - chosen.count, Self.largestRun(in: hall, from: available))
            guard size > 0, let first = Self.bestStart(of: size, in: hall, from: available) else {
                throw .noAdjacent(count)
            }
            for index in first..<(first + size) { available.take(index) }
            chosen += first..<(first + size)
        }
        return chosen.sorted()
    }

    /// The start of the best block; nil when there is none.
    private static func bestStart(of count: Int, in hall: Hall, from available: Availability) -> Int? {
        typealias Key = (distance: Int, row: Int, first: Int)
        var best: Key? = nil
        // orphans=avoid: the best block that leaves no more orphans, and the best of all as the fallback.
        var bestAvoiding: Key? = nil
        let avoiding = available.avoidingOrphans
        for rowIndex in hall.rowsByDistance {
            let bound = avoiding ? bestAvoiding : best
            if let found = bound, hall.rowDistance4(rowIndex: rowIndex) > found.distance { break }
            for segment in hall.segments[hall.segmentsOfRow[rowIndex]] where segment.seatCount >= count {
                Self.candidates(of: count, in: segment, hall: hall, available: available) {
                    distance, first, keepsOrphans in
                    let key = (distance, rowIndex, first)
                    if best == nil || key < best! { best = key }
                    if keepsOrphans, bestAvoiding == nil || key < bestAvoiding! { bestAvoiding = key }
                }
            }
        }
        return (bestAvoiding ?? best)?.first
    }

    /// Reports, for each available run of the segment long enough, the v1 candidate (the start whose block centre
    /// is nearest the row centre) and, avoiding orphans, the nearest starts on either side of it that leave no more
    /// orphans than before (a run has at most two starts near each end that leave one, so a few steps suffice).
    private static func candidates(
        of count: Int, in segment: Hall.Segment, hall: Hall, available: Availability,
        _ report: (_ distance: Int, _ first: Int, _ keepsOrphans: Bool) -> Void
    ) {
        let row = hall.rows[segment.rowIndex]
        let end = segment.firstIndex + segment.seatCount
        // The ideal first seat number: 2a + count - 1 == lo + hi, rounded down (the lower seat wins ties).
        let idealNumber = Int((Double(row.lowNumber + row.highNumber - count + 1) / 2).rounded(.down))
        let idealIndex = segment.firstIndex + (idealNumber - segment.firstNumber)
        func distance(_ first: Int) -> Int {
            let number = segment.firstNumber + (first - segment.firstIndex)
            return hall.distance4(rowIndex: segment.rowIndex, firstNumber: number, lastNumber: number + count - 1)
        }
        var runStart = available.scan(from: segment.firstIndex, below: end, set: true)
        while runStart < end {
            let runEnd = available.scan(from: runStart, below: end, set: false)
            if runEnd - runStart >= count {
                let first = Swift.min(Swift.max(idealIndex, runStart), runEnd - count)
                if !available.avoidingOrphans {
                    report(distance(first), first, false)
                } else if Self.orphansAdded(by: first, count, segment: segment, end: end, available: available) == 0 {
                    report(distance(first), first, true)
                } else {
                    report(distance(first), first, false)
                    var step = -1
                    while step <= 1 {
                        var start = first + step
                        while start >= runStart, start <= runEnd - count, abs(start - first) <= 4 {
                            if Self.orphansAdded(by: start, count, segment: segment, end: end, available: available)
                                == 0
                            {
                                report(distance(start), start, true)
                                break
                            }
                            start += step
                        }
                        step += 2
                    }
                }
            }
            runStart = available.scan(from: runEnd, below: end, set: true)
        }
    }

    /// How many orphans taking `first..<first+count` adds to its segment: one for each neighbour it leaves alone.
    /// (Taking a single seat that was an orphan removes one, but such a seat has no open neighbour, so it adds none
    /// either way: only whether the count grows matters.)
    @inline(__always)
    private static func orphansAdded(
        by first: Int, _ count: Int, segment: Hall.Segment, end: Int, available: Availability
    ) -> Int {
        @inline(__always) func isOpen(_ index: Int) -> Bool {
            index >= segment.firstIndex && index < end && available.isOpen(index)
        }
        let last = first + count - 1
        var added = 0
        if isOpen(first - 1), !isOpen(first - 2) { added += 1 }
        if isOpen(last + 1), !isOpen(last + 2) { added += 1 }
        return added
    }

    /// The longest run of available seats within one segment.
    private static func largestRun(in hall: Hall, from available: Availability) -> Int {
        var largest = 0
        for segment in hall.segments where segment.seatCount > largest {
            let end = segment.firstIndex + segment.seatCount
            var runStart = available.scan(from: segment.firstIndex, below: end, set: true)
            while runStart < end {
                let runEnd = available.scan(from: runStart, below: end, set: false)
                largest = max(largest, runEnd - runStart)
                runStart = available.scan(from: runEnd, below: end, set: true)
            }
        }
        return largest
    }

    /// The `count` free seats nearest the centre, each on its own; in hall order. Throws `.soldOut`.
    func anySeats(_ count: Int, in hall: Hall) throws(SeatError) -> [Int] {
        try self.anySeats(count, in: hall, from: self.availability(channel: nil, masks: [], avoidingOrphans: false))
    }

    /// ANY among `available`.
    func anySeats(_ count: Int, in hall: Hall, from available: Availability) throws(SeatError) -> [Int] {
        var chosen: [Int] = []
        chosen.reserveCapacity(count)
        for index in hall.preferenceOrder where available.isAvailable(Int(index)) {
            chosen.append(Int(index))
            if chosen.count == count { return chosen.sorted() }
        }
        throw .soldOut(requested: count, free: chosen.count)
    }
}
