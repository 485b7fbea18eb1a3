/// The "best seats" geometry. The centre is the middle row and, in each row, the middle of its number span.
/// For row r of R, dr = r - (R-1)/2; for a block a...b in a row spanning lo...hi, dc = (a+b)/2 - (lo+hi)/2;
/// distance = dr² + dc². Everything here is scaled by 4 so it stays in integers: (2dr)² + (2dc)².
extension Hall {
    /// Four times the distance of the block of seat numbers `a...b` in row `rowIndex` from the centre.
    @inline(__always)
    func distance4(rowIndex: Int, firstNumber a: Int, lastNumber b: Int) -> Int {
        let row = self.rows[rowIndex]
        let dr2 = 2 * rowIndex - (self.rows.count - 1)
        let dc2 = (a + b) - (row.lowNumber + row.highNumber)
        return dr2 * dr2 + dc2 * dc2
    }

    /// Four times the squared row distance alone: a lower bound for any block in that row.
    @inline(__always)
    func rowDistance4(rowIndex: Int) -> Int {
        let dr2 = 2 * rowIndex - (self.rows.count - 1)
        return dr2 * dr2
    }

    /// Every seat ordered by (distance, row index, seat number): ANY n takes the first n free seats of it.
    static func preferenceOrder(of rows: [Row], capacity: Int) -> [Int32] {
        var keyed: [(distance: Int, index: Int32)] = []
        keyed.reserveCapacity(capacity)
        for (rowIndex, row) in rows.enumerated() {
            let dr2 = 2 * rowIndex - (rows.count - 1)
            var index = row.firstIndex
            for range in row.ranges {
                for number in range {
                    let dc2 = 2 * number - (row.lowNumber + row.highNumber)
                    keyed.append((dr2 * dr2 + dc2 * dc2, Int32(index)))
                    index += 1
                }
            }
        }
        // Dense indices are in (row, number) order, so the index breaks ties exactly as the rule says.
        keyed.sort { ($0.distance, $0.index) < ($1.distance, $1.index) }
        return keyed.map(\.index)
    }
}
