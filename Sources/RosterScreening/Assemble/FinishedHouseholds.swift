import SourceDiagnostics

/// The households already finished, to catch one whose rows are split apart.
///
/// While household ids come in ascending byte order (a roster sorted by household, the usual
/// export), an id above the last cannot have been seen: its hash is only noted down, in order.
/// The first id out of order turns the notes into an open-addressing table of the hashes
/// (`FNV1a`, 64 bits), which then answers for every id. Either way 8 bytes a household, at most
/// twice over, and a sorted roster never touches the table at random.
struct FinishedHouseholds {
    private var ascending = true
    private var last: [UInt8] = []
    /// The hashes noted down, in blocks of `block`: a block is never copied to grow.
    private var noted: [[UInt64]] = []
    private static let block = 1 << 16
    private var slots: [UInt64] = []
    private var count = 0
    /// The hash 0 marks an empty slot, so a household whose hash is 0 is held here.
    private var hasZero = false

    /// Adds a household's id; false when it was finished before.
    mutating func insert(_ id: some Collection<UInt8>) -> Bool {
        let hash = FNV1a.hash(bytes: id)
        if ascending {
            if last.lexicographicallyPrecedes(id) {
                last.removeAll(keepingCapacity: true)
                last.append(contentsOf: id)
                if noted.last?.count ?? Self.block == Self.block {
                    noted.append([])
                    noted[noted.count - 1].reserveCapacity(Self.block)
                }
                noted[noted.count - 1].append(hash)
                return true
            }
            ascending = false
            let count = noted.reduce(0) { $0 + $1.count }
            slots = Array(repeating: 0, count: max(1 << 12, (count * 2).nextPowerOfTwo))
            for block in noted { for h in block { _ = insert(hash: h) } }
            noted = []
            last = []
        }
        return insert(hash: hash)
    }

    private mutating func insert(hash: UInt64) -> Bool {
        if hash == 0 {
            defer { hasZero = true }
            return !hasZero
        }
        if count * 2 >= slots.count { grow() }
        let mask = slots.count - 1
        // The high bits of a multiplicative mix pick the slot; FNV's low bits are weak.
        var i = Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
        while true {
            let s = slots[i]
            if s == hash { return false }
            if s == 0 {
                slots[i] = hash
                count += 1
                return true
            }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        count = 0
        for h in old where h != 0 { _ = insert(hash: h) }
    }
}

extension Int {
    /// The least power of two not below this (1 for 0).
    fileprivate var nextPowerOfTwo: Int { self <= 1 ? 1 : 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount) }
}
