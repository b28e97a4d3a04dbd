import PolicyExpr

/// Output bytes gathered through a pointer in room of their own and handed to an array (`out`)
/// in big pieces. A roster's rows are made of many small pieces (an id, a comma, a digit); each
/// is a store or a short copy here, with none of the checks an array makes on every append
/// (that it is not shared, that it has room). 1M spec rows: writing took 0.06 s of CPU in appends.
struct ByteSink: ~Copyable {
    /// What has been handed over so far.
    var out: [UInt8]
    private let room: UnsafeMutablePointer<UInt8>
    private var at: UnsafeMutablePointer<UInt8>
    private let end: UnsafeMutablePointer<UInt8>

    /// `size`: the room's, 64 KB for a batch's rows; a few bytes for a single cell (at least
    /// `Fixed.longestForm`, which a number is given at once).
    init(_ out: [UInt8], size: Int = 1 << 16) {
        precondition(size >= Fixed.longestForm)
        self.out = out
        room = .allocate(capacity: size)
        at = room
        end = room + size
    }

    deinit { room.deallocate() }

    /// Hands over what is gathered and gives every byte written.
    consuming func finish() -> [UInt8] {
        flush()
        return out
    }

    mutating func flush() {
        guard at > room else { return }
        out.append(contentsOf: UnsafeBufferPointer(start: room, count: at - room))
        at = room
    }

    /// For pieces written to the array itself (a text made in place): what is gathered goes first.
    mutating func withOut<R>(_ body: (inout [UInt8]) -> R) -> R {
        flush()
        return body(&out)
    }

    @inline(__always) private mutating func makeRoom(_ n: Int) {
        if end - at < n { flush() }
    }

    @inline(__always) mutating func append(_ b: UInt8) {
        makeRoom(1)
        at.pointee = b
        at += 1
    }

    @inline(__always) mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        let n = bytes.count
        guard n > 0 else { return }
        makeRoom(n)
        if n > end - room {
            out.append(contentsOf: bytes)
            return
        }
        at.update(from: bytes.baseAddress!, count: n)
        at += n
    }

    mutating func append(_ string: String) {
        var string = string
        string.withUTF8 { append($0) }
    }

    /// A CSV field: as `CSVWriter` writes it, copied as it is when `plain` says it has nothing
    /// to quote.
    @inline(__always) mutating func field(_ bytes: UnsafeBufferPointer<UInt8>, plain: Bool) {
        if plain || !CSVWriter.needs(bytes).quoted {
            append(bytes)
        } else {
            withOut { CSVWriter.append(buffer: bytes, to: &$0) }
        }
    }

    /// `value` with exactly `places` decimals (`Fixed.appendDecimal`).
    @inline(__always) mutating func decimal(_ value: Fixed, places: Int) {
        makeRoom(Fixed.longestForm)
        at += value.write(places: places, grouped: false, into: at)
    }

    /// `value` in its shortest exact form (`Fixed.appendPlain`).
    @inline(__always) mutating func plain(_ value: Fixed) { decimal(value, places: value.plainPlaces) }
}
