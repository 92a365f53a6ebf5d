// The text printer's output buffer: bytes, indentation and integers appended
// without going through String, handed on in large chunks when streaming.

/// Where ``TextFormatPrinter`` writes: one growing byte buffer, or, when a sink
/// is given, a buffer of about `chunkSize` bytes that is passed to the sink each
/// time it fills, so a printed file never has to fit in memory whole.
struct TextFormatOutput {
    /// The bytes not yet handed to the sink (all of them without a sink).
    var bytes: [UInt8] = []
    private let chunkSize: Int
    private let sink: (([UInt8]) -> Void)?

    /// Collects everything in ``bytes``.
    init() {
        chunkSize = .max
        sink = nil
    }

    /// Hands the bytes to `sink` whenever at least `chunkSize` have gathered;
    /// call ``flush()`` at the end for the rest.
    init(chunkSize: Int, sink: @escaping ([UInt8]) -> Void) {
        self.chunkSize = chunkSize
        self.sink = sink
        bytes.reserveCapacity(chunkSize + chunkSize / 8)
    }

    /// Passes the buffer to the sink if it is full; called between lines.
    mutating func flushIfFull() {
        if bytes.count >= chunkSize { flush() }
    }

    /// Passes whatever is buffered to the sink (nothing without one).
    mutating func flush() {
        guard let sink, !bytes.isEmpty else { return }
        sink(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    mutating func append(_ byte: UInt8) { bytes.append(byte) }

    mutating func append(_ text: [UInt8]) { bytes.append(contentsOf: text) }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    private static let spaces = [UInt8](repeating: 0x20, count: 256)

    /// `count` spaces of indentation.
    mutating func appendIndent(_ count: Int) {
        var left = count
        while left > 0 {
            let n = min(left, Self.spaces.count)
            bytes.append(contentsOf: Self.spaces[0..<n])
            left -= n
        }
    }

    /// An integer in decimal, as `String(value)` spells it.
    mutating func appendDecimal(_ value: Int64) {
        if value < 0 { bytes.append(0x2d) }
        appendDecimal(value.magnitude)
    }

    /// An integer in decimal, as `String(value)` spells it.
    mutating func appendDecimal(_ value: UInt64) {
        var digits = 1
        var rest = value / 10
        while rest > 0 { digits += 1; rest /= 10 }
        let end = bytes.count + digits
        bytes.append(contentsOf: repeatElement(0x30, count: digits))
        var v = value
        var i = end - 1
        while v > 0 {
            bytes[i] = 0x30 + UInt8(v % 10)
            v /= 10
            i -= 1
        }
    }
}
