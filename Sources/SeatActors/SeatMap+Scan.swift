/// Word-at-a-time scans over seat bitmaps.
extension SeatMap {
    /// The seats one selection may take: free seats that are not blocked, not reserved for another channel than
    /// the request's, and within its masks (a category's, a flag's). Computed a word at a time where a scan looks,
    /// not for the whole hall up front: BEST usually looks at a few rows near the centre. With `avoidingOrphans`,
    /// also the seats orphans are counted among: neither occupied nor blocked (nor chosen by a split).
    struct Availability {
        let occupied: [UInt64]
        let blocked: [UInt64]
        let reserved: [UInt64]
        let channel: [UInt64]?
        let first: [UInt64]?
        let second: [UInt64]?
        let capacity: Int
        let avoidingOrphans: Bool
        /// Seats a split has chosen already.
        var chosen: [UInt64]? = nil

        /// Bit i of word `word` set: seat 64 * word + i is available (bits past the capacity may be set).
        @inline(__always)
        func word(_ word: Int) -> UInt64 {
            var bits = ~(self.occupied[word] | self.blocked[word])
            let reserved = self.reserved[word]
            if reserved != 0 { bits &= ~reserved | (self.channel?[word] ?? 0) }
            if let first = self.first { bits &= first[word] }
            if let second = self.second { bits &= second[word] }
            if let chosen = self.chosen { bits &= ~chosen[word] }
            return bits
        }

        /// Available seats: a pass over the whole hall (only where the answer depends on it).
        var count: Int {
            var count = 0
            for index in 0..<self.occupied.count {
                var bits = self.word(index)
                if index == self.occupied.count - 1, self.capacity & 63 != 0 {
                    bits &= (1 << UInt64(self.capacity & 63)) - 1
                }
                count += bits.nonzeroBitCount
            }
            return count
        }

        @inline(__always)
        func isAvailable(_ index: Int) -> Bool { self.word(index >> 6) & (UInt64(1) << UInt64(index & 63)) != 0 }

        /// Open: neither occupied, blocked nor chosen; what orphans are counted among.
        @inline(__always)
        func isOpen(_ index: Int) -> Bool {
            let bit = UInt64(1) << UInt64(index & 63)
            let word = index >> 6
            guard (self.occupied[word] | self.blocked[word]) & bit == 0 else { return false }
            return self.chosen.map { $0[word] & bit == 0 } ?? true
        }

        /// Takes seat `index` out of the available and open seats (a block chosen by a split).
        mutating func take(_ index: Int) {
            if self.chosen == nil { self.chosen = [UInt64](repeating: 0, count: self.occupied.count) }
            self.chosen![index >> 6] |= UInt64(1) << UInt64(index & 63)
        }

        /// The first index in `start..<end` that is available (`set`) or not, or `end` when there is none.
        func scan(from start: Int, below end: Int, set: Bool) -> Int {
            guard start < end else { return end }
            var wordIndex = start >> 6
            var word = set ? self.word(wordIndex) : ~self.word(wordIndex)
            word &= ~0 << UInt64(start & 63)
            while true {
                if word != 0 {
                    let found = wordIndex << 6 + word.trailingZeroBitCount
                    return min(found, end)
                }
                wordIndex += 1
                guard wordIndex << 6 < end else { return end }
                word = set ? self.word(wordIndex) : ~self.word(wordIndex)
            }
        }
    }

    /// What a BEST or ANY with `channel` may choose from, within `masks` (at most two: a category's, a flag's).
    func availability(channel: String?, masks: [[UInt64]], avoidingOrphans: Bool) -> Availability {
        precondition(masks.count <= 2, "at most a category and a flag")
        return Availability(
            occupied: self.occupied, blocked: self.blocked, reserved: self.reserved,
            channel: channel.flatMap { self.channels[$0] }, first: masks.first, second: masks.dropFirst().first,
            capacity: self.capacity, avoidingOrphans: avoidingOrphans)
    }
}
