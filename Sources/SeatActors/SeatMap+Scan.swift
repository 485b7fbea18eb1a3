/// Word-at-a-time scans over seat bitmaps.
extension SeatMap {
    /// The seats one selection may take: bit i set when seat i is available to it (bits past the hall's seats are
    /// clear). With `open` (orphans=avoid), also the seats orphans are counted among: neither occupied nor blocked.
    struct Availability {
        var words: [UInt64]
        var open: [UInt64]?
        var count: Int

        /// Takes seat `index` out of both sets (a block chosen by a split).
        mutating func take(_ index: Int) {
            let bit = ~(UInt64(1) << UInt64(index & 63))
            self.words[index >> 6] &= bit
            self.open?[index >> 6] &= bit
            self.count -= 1
        }

        @inline(__always)
        func isOpen(_ index: Int) -> Bool {
            guard let open = self.open else { return false }
            return open[index >> 6] & (UInt64(1) << UInt64(index & 63)) != 0
        }
    }

    /// What a BEST or ANY may choose from: free seats that are not blocked, not reserved for another channel than
    /// `channel`, and within the `masks` (a category's, a flag's) when given.
    func availability(channel: String?, masks: [[UInt64]], avoidingOrphans: Bool) -> Availability {
        let words = self.occupied.count
        let channelMask = channel.flatMap { self.channels[$0] }
        var available = [UInt64](repeating: 0, count: words)
        var count = 0
        for word in 0..<words {
            var bits = self.availableWord(word, channel: channelMask)
            for mask in masks { bits &= mask[word] }
            if word == words - 1, self.capacity & 63 != 0 { bits &= (1 << UInt64(self.capacity & 63)) - 1 }
            available[word] = bits
            count += bits.nonzeroBitCount
        }
        let open = avoidingOrphans ? (0..<words).map(self.openWord) : nil
        return Availability(words: available, open: open, count: count)
    }

    /// The first index in `start..<end` whose bit in `words` is `set`, or `end` when there is none.
    static func scan(_ words: [UInt64], from start: Int, below end: Int, set: Bool) -> Int {
        guard start < end else { return end }
        var wordIndex = start >> 6
        var word = set ? words[wordIndex] : ~words[wordIndex]
        word &= ~0 << UInt64(start & 63)
        while true {
            if word != 0 {
                let found = wordIndex << 6 + word.trailingZeroBitCount
                return min(found, end)
            }
            wordIndex += 1
            guard wordIndex << 6 < end else { return end }
            word = set ? words[wordIndex] : ~words[wordIndex]
        }
    }
}
