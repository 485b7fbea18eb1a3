/// Word-at-a-time scans for runs of free and occupied seats.
extension SeatMap {
    /// The first free seat in `start..<end`, or `end` when there is none.
    func nextFree(from start: Int, below end: Int) -> Int {
        self.scan(from: start, below: end, invert: true)
    }

    /// The first occupied seat in `start..<end`, or `end` when there is none.
    func nextOccupied(from start: Int, below end: Int) -> Int {
        self.scan(from: start, below: end, invert: false)
    }

    private func scan(from start: Int, below end: Int, invert: Bool) -> Int {
        guard start < end else { return end }
        var wordIndex = start >> 6
        var word = invert ? ~self.occupied[wordIndex] : self.occupied[wordIndex]
        word &= ~0 << UInt64(start & 63)
        while true {
            if word != 0 {
                let found = wordIndex << 6 + word.trailingZeroBitCount
                return min(found, end)
            }
            wordIndex += 1
            guard wordIndex << 6 < end else { return end }
            word = invert ? ~self.occupied[wordIndex] : self.occupied[wordIndex]
        }
    }
}
