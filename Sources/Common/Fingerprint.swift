/// FNV-1a over bytes, for comparing runs.
public struct Fingerprint: Sendable {
    public var value: UInt64 = 0xCBF2_9CE4_8422_2325

    public init() {}

    /// Adds the 8 bytes of `bits`, least significant first.
    public mutating func add(_ bits: UInt64) {
        var v = bits
        for _ in 0..<8 {
            value = (value ^ (v & 0xFF)) &* 0x100_0000_01B3
            v >>= 8
        }
    }

    public mutating func add(_ text: String) { add(bytes: text.utf8) }

    public mutating func add<S: Sequence>(bytes: S) where S.Element == UInt8 {
        for byte in bytes { value = (value ^ UInt64(byte)) &* 0x100_0000_01B3 }
    }

    /// The fingerprint of a buffer's bytes.
    public static func of<T>(_ buffer: UnsafeMutableBufferPointer<T>) -> UInt64 {
        var f = Fingerprint()
        f.add(bytes: UnsafeRawBufferPointer(buffer))
        return f.value
    }
}
