// `ckpt list` output written in pieces as it is produced: one byte buffer,
// flushed every 64 KiB, no JSONValue tree and no per-key String built for it
// (a checkpoint can have a million keys).

extension CheckpointReader {
    /// Writes the listing of `tfmeta ckpt list`: one line per tensor (key padded to
    /// the longest, dtype, shape, and `(N slices)` for a partitioned tensor), or
    /// with `json` the pretty-printed array of `{"key", "dtype", "shape"}` objects
    /// (plus a foreign format's annotations), byte for byte what
    /// `JSONValue.serialized(pretty: true)` prints, followed by a newline.
    ///
    /// - Parameters:
    ///   - json: The JSON array instead of text lines.
    ///   - write: Receives the output in pieces of up to about 64 KiB, in order.
    /// - Throws: ``MetaGraphKitError`` when a lazily opened index cannot be decoded.
    public func writeListing(json: Bool, _ write: (UnsafeRawBufferPointer) -> Void) throws {
        if let bundle, !isListingLoaded, try streamListing(bundle, json: json, write) { return }
        let entries = try loadEntries()
        var out: [UInt8] = []
        out.reserveCapacity(1 << 16)
        func flushIfFull() {
            if out.count >= (1 << 16) - 512 {
                out.withUnsafeBytes(write)
                out.removeAll(keepingCapacity: true)
            }
        }
        func int(_ v: Int) { out.append(contentsOf: String(v).utf8) }
        if json {
            if entries.isEmpty {
                out.append(contentsOf: "[]\n".utf8)
            } else {
                out.append(UInt8(ascii: "["))
                for (i, e) in entries.enumerated() {
                    out.append(contentsOf: (i > 0 ? ",\n  {\n    \"key\": " : "\n  {\n    \"key\": ").utf8)
                    Self.appendQuoted(e.key, to: &out)
                    out.append(contentsOf: ",\n    \"dtype\": \"".utf8)
                    out.append(contentsOf: e.dtype.name.utf8)
                    if e.shape.isEmpty {
                        out.append(contentsOf: "\",\n    \"shape\": []".utf8)
                    } else {
                        out.append(contentsOf: "\",\n    \"shape\": [".utf8)
                        for (j, d) in e.shape.enumerated() {
                            out.append(contentsOf: (j > 0 ? ",\n      " : "\n      ").utf8)
                            int(d)
                        }
                        out.append(contentsOf: "\n    ]".utf8)
                    }
                    if foreign != nil {
                        for (name, value) in annotations(e.key) {
                            out.append(contentsOf: ",\n    ".utf8)
                            Self.appendQuoted(name, to: &out)
                            out.append(contentsOf: ": ".utf8)
                            Self.appendQuoted(value, to: &out)
                        }
                    }
                    out.append(contentsOf: "\n  }".utf8)
                    flushIfFull()
                }
                out.append(contentsOf: "\n]\n".utf8)
            }
        } else {
            // Padding counts characters, as Swift's String.count does; ASCII keys
            // (nearly all) are counted by their bytes.
            func width(_ key: String) -> Int {
                let utf8 = key.utf8
                return utf8.allSatisfy({ $0 < 0x80 }) ? utf8.count : key.count
            }
            var widest = 0
            for e in entries { widest = max(widest, width(e.key)) }
            for e in entries {
                out.append(contentsOf: e.key.utf8)
                for _ in 0..<max(0, widest - width(e.key)) { out.append(UInt8(ascii: " ")) }
                out.append(contentsOf: "  ".utf8)
                out.append(contentsOf: e.dtype.name.utf8)
                out.append(contentsOf: "  [".utf8)
                for (j, d) in e.shape.enumerated() {
                    if j > 0 { out.append(contentsOf: ", ".utf8) }
                    int(d)
                }
                out.append(UInt8(ascii: "]"))
                if e.slices.count > 1 {
                    out.append(contentsOf: "  (".utf8)
                    int(e.slices.count)
                    out.append(contentsOf: " slices)".utf8)
                }
                out.append(UInt8(ascii: "\n"))
                flushIfFull()
            }
        }
        if !out.isEmpty { out.withUnsafeBytes(write) }
    }

    /// The listing of a lazily opened V2 index, straight from its table: no entry
    /// kept, memory flat whatever the number of keys. A first pass decodes every
    /// entry (checking every block, as opening eagerly does) and finds the widest
    /// key before anything is written, so a damaged index writes nothing. Returns
    /// false, having written nothing, when the index has slice keys (binary keys
    /// starting with a 0 byte, sorted right after the header): their containers
    /// decide which to hide, and the decoded index does that.
    private func streamListing(_ bundle: BundleReader, json: Bool, _ write: (UnsafeRawBufferPointer) -> Void) throws -> Bool {
        let name = bundle.indexName
        var widest = 0
        var count = 0
        var sliceKeys = false
        try bundle.table.forEach { key, value in
            guard !key.isEmpty else { return }
            if key[0] == 0 { sliceKeys = true }
            _ = try BundleEntry(value, file: name, keyBytes: key)
            widest = max(widest, Self.width(key))
            count += 1
        }
        if sliceKeys { return false }
        var out: [UInt8] = []
        out.reserveCapacity(1 << 16)
        if json, count == 0 {
            out.append(contentsOf: "[]\n".utf8)
            out.withUnsafeBytes(write)
            return true
        }
        if json { out.append(UInt8(ascii: "[")) }
        var first = true
        try bundle.table.forEach { key, value in
            guard !key.isEmpty else { return }
            let e = try BundleEntry(value, file: name, keyBytes: key)
            if json {
                out.append(contentsOf: (first ? "\n  {\n    \"key\": " : ",\n  {\n    \"key\": ").utf8)
                Self.appendQuotedKey(key, to: &out)
                Self.appendJSONTail(dtype: e.dtype, shape: e.shape, to: &out)
            } else {
                Self.appendKey(key, to: &out)
                for _ in 0..<max(0, widest - Self.width(key)) { out.append(UInt8(ascii: " ")) }
                Self.appendTextTail(dtype: e.dtype, shape: e.shape, slices: e.slices.count, to: &out)
            }
            first = false
            if out.count >= (1 << 16) - 512 {
                out.withUnsafeBytes(write)
                out.removeAll(keepingCapacity: true)
            }
        }
        if json { out.append(contentsOf: "\n]\n".utf8) }
        if !out.isEmpty { out.withUnsafeBytes(write) }
        return true
    }

    /// A key's width in characters (String.count), from its bytes.
    static func width(_ key: [UInt8]) -> Int {
        key.allSatisfy({ $0 < 0x80 }) ? key.count : BundleReader.display(key).count
    }

    /// A key's listed text (invalid UTF-8 repaired, as ``BundleReader/display(_:)``).
    static func appendKey(_ key: [UInt8], to out: inout [UInt8]) {
        if key.allSatisfy({ $0 < 0x80 }) { out.append(contentsOf: key) } else { out.append(contentsOf: BundleReader.display(key).utf8) }
    }

    static func appendQuotedKey(_ key: [UInt8], to out: inout [UInt8]) {
        if key.allSatisfy({ $0 < 0x80 }) { appendQuoted(bytes: key, to: &out) } else { appendQuoted(BundleReader.display(key), to: &out) }
    }

    /// `",\n    "dtype": …,\n    "shape": […]\n  }"` of one listed object.
    static func appendJSONTail(dtype: DType, shape: [Int], to out: inout [UInt8]) {
        out.append(contentsOf: ",\n    \"dtype\": \"".utf8)
        out.append(contentsOf: dtype.name.utf8)
        if shape.isEmpty {
            out.append(contentsOf: "\",\n    \"shape\": []".utf8)
        } else {
            out.append(contentsOf: "\",\n    \"shape\": [".utf8)
            for (j, d) in shape.enumerated() {
                out.append(contentsOf: (j > 0 ? ",\n      " : "\n      ").utf8)
                out.append(contentsOf: String(d).utf8)
            }
            out.append(contentsOf: "\n    ]".utf8)
        }
        out.append(contentsOf: "\n  }".utf8)
    }

    /// `"  dtype  [dims]  (N slices)\n"` of one listed line.
    static func appendTextTail(dtype: DType, shape: [Int], slices: Int, to out: inout [UInt8]) {
        out.append(contentsOf: "  ".utf8)
        out.append(contentsOf: dtype.name.utf8)
        out.append(contentsOf: "  [".utf8)
        for (j, d) in shape.enumerated() {
            if j > 0 { out.append(contentsOf: ", ".utf8) }
            out.append(contentsOf: String(d).utf8)
        }
        out.append(UInt8(ascii: "]"))
        if slices > 1 {
            out.append(contentsOf: "  (".utf8)
            out.append(contentsOf: String(slices).utf8)
            out.append(contentsOf: " slices)".utf8)
        }
        out.append(UInt8(ascii: "\n"))
    }

    /// Appends `s` as a JSON string literal, escaped as `JSONValue` escapes it.
    static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        appendQuoted(bytes: s.utf8, to: &out)
    }

    /// Appends valid UTF-8 bytes as a JSON string literal, escaped as `JSONValue` escapes it.
    static func appendQuoted<Bytes: Sequence<UInt8>>(bytes: Bytes, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        func escaped(_ p: UnsafeRawBufferPointer) { JSONValue.escape(p) { out.append(contentsOf: $0) } }
        if bytes.withContiguousStorageIfAvailable({ escaped(UnsafeRawBufferPointer($0)) }) == nil {
            Array(bytes).withUnsafeBytes(escaped)
        }
        out.append(UInt8(ascii: "\""))
    }
}
