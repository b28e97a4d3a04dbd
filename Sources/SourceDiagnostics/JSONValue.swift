/// A JSON value with object keys kept in the order they were written, so output keys are stable.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    /// A number already formatted (a decimal string kept exact).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.serialized() == b.serialized() }

    public subscript(key: String) -> JSONValue? {
        if case .object(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    /// Compact JSON, or indented by two spaces with `pretty`.
    public func serialized(pretty: Bool = false) -> String {
        String(decoding: bytes(pretty: pretty), as: UTF8.self)
    }

    /// The JSON text as UTF-8 bytes, for writers that need no `String`.
    public func bytes(pretty: Bool = false) -> [UInt8] {
        var w = JSONWriter(pretty: pretty)
        write(to: &w)
        return w.bytes
    }

    /// Writes this value where the writer stands (an item of an array, a key's value, or the whole).
    public func write(to w: inout JSONWriter) {
        switch self {
        case .null: w.null()
        case .bool(let b): w.bool(b)
        case .int(let i): w.int(i)
        case .number(let s): w.number(s)
        case .string(let s): w.string(s)
        case .array(let items): w.array(items) { w, item in item.write(to: &w) }
        case .object(let pairs):
            w.object { w in
                for (k, v) in pairs {
                    w.key(k)
                    v.write(to: &w)
                }
            }
        }
    }
}
