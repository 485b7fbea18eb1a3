import Testing

@testable import SeatActors

/// Goal: hold ids from the system source are distinct and spread over all 64 bits across many refills of its
/// buffer. Method: 100,000 ids (about 200 reads of the kernel's CSPRNG) from several tasks at once.
struct SystemHoldIDSourceTests {
    @Test func idsAreDistinctAndUseEveryBitAcrossRefills() async {
        let ids = await withTaskGroup(of: [UInt64].self) { group in
            for _ in 0..<4 { group.addTask { (0..<25_000).map { _ in SystemHoldIDSource().next() } } }
            var all: [UInt64] = []
            for await part in group { all += part }
            return all
        }
        #expect(Set(ids).count == ids.count)
        #expect(ids.reduce(0, |) == .max)
        #expect(ids.reduce(.max, &) == 0)
    }
}
