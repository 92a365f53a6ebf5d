// The checkpoint targets: tables, V2 bundles, V1 slice files.
import MetaGraphKit

extension FuzzTarget {
    /// Every entry in order, a lookup of each of the first keys (the binary-search
    /// path), and `verify()`.
    static func table(_ input: UnsafeRawBufferPointer, _ scratch: FuzzScratch) throws {
        scratch.clear()
        let table = try TableReader(path: scratch.write("table", input))
        var keys: [[UInt8]] = []
        try tolerating {
            try table.forEach { key, value in
                if keys.count < 16 { keys.append(key) }
                _ = value.count
            }
        }
        for key in keys + [[], [0xff, 0xff]] {
            try tolerating { _ = try table.value(forKey: key) }
        }
        _ = table.verify()
    }

    /// The input's first record is `p.index`, the others its data files
    /// `p.data-0000i-of-N`; every tensor is read, then the object graph and
    /// `verify()`.
    static func bundle(_ input: UnsafeRawBufferPointer, _ scratch: FuzzScratch) throws {
        scratch.clear()
        let files = FuzzInput.records(input)
        guard let index = files.first else { return }
        scratch.write("p.index", index)
        let shards = files.count - 1
        for (i, data) in files.dropFirst().enumerated() {
            scratch.write("p.data-\(five(i))-of-\(five(shards))", data)
        }
        try readCheckpoint(scratch.path + "/p", expect: .v2)
    }

    /// The input is one V1 checkpoint file.
    static func slices(_ input: UnsafeRawBufferPointer, _ scratch: FuzzScratch) throws {
        scratch.clear()
        try readCheckpoint(scratch.write("model.ckpt", input), expect: .v1)
    }

    /// The input is a Keras 3 weights file.
    static func keras(_ input: UnsafeRawBufferPointer, _ scratch: FuzzScratch) throws {
        scratch.clear()
        try readCheckpoint(scratch.write("w.weights.h5", input), expect: .foreign)
    }

    /// The first byte picks `.keras` (even) or `.npz` (odd); the rest is the file.
    static func zip(_ input: UnsafeRawBufferPointer, _ scratch: FuzzScratch) throws {
        scratch.clear()
        guard let first = input.first else { return }
        let name = first % 2 == 0 ? "m.keras" : "m.npz"
        try readCheckpoint(scratch.write(name, UnsafeRawBufferPointer(rebasing: input.dropFirst())), expect: .foreign)
    }

    /// Opens a checkpoint and reads everything a user can ask of it.
    static func readCheckpoint(_ path: String, expect format: CheckpointFormat) throws {
        let reader = try CheckpointReader(path: path)
        // V1 taken for V2 (or back) is a bug; another framework's file recognised by its
        // content (an HDF5 file named model.ckpt, a table named w.weights.h5) is not.
        guard reader.format == format || reader.format == .foreign || format == .foreign else {
            throw FuzzInvariantViolation("\(path) opened as \(reader.format), expected \(format)")
        }
        for entry in reader.entries {
            try tolerating {
                let tensor = try reader.tensor(entry.key)
                guard tensor.shape == entry.shape, tensor.dtype == entry.dtype else {
                    throw FuzzInvariantViolation(
                        "\(entry.key): listed as \(entry.dtype) \(entry.shape), read as \(tensor.dtype) \(tensor.shape)")
                }
            }
            try tolerating { try reader.withTensorBytes(entry.key) { _ = $0.count } }
        }
        try tolerating { _ = try reader.fullNameToCheckpointKey() }
        if format == .foreign {
            for entry in reader.entries { _ = reader.annotations(entry.key) }
        }
        _ = reader.verify()
    }

    static func five(_ n: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 5 - s.count)) + s
    }
}
