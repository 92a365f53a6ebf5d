// What each libFuzzer target does with its input, in one place: the fuzzer
// programs in Fuzz/ only wrap these functions, and the Swift test suite runs the
// seeds and every committed crash input through the same functions.
import MetaGraphKit

/// One fuzzing target: a reader or parser of MetaGraphKit and what it must
/// survive.
///
/// ``run(_:in:)`` feeds one input through the library. Rejecting the input with a
/// ``MetaGraphKit/MetaGraphKitError`` is a correct outcome; a trap, a sanitizer
/// report, an allocation beyond the fuzzer's limit, or a thrown
/// ``FuzzInvariantViolation`` (a round trip that changed the message) is a bug.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A LevelDB-style table (`.index`, V1 file): every entry, lookups, `verify()`.
    case table
    /// A V2 bundle: the input is the `.index` and its data files
    /// (``FuzzInput/records(_:)``); every tensor, the object graph, `verify()`.
    case bundle
    /// A V1 checkpoint file of SavedTensorSlices: every tensor, `verify()`.
    case slices
    /// protobuf-c decoding: the first byte picks one of ``FuzzInput/messageTypes``,
    /// the rest is the binary message; re-encoding must be stable.
    case proto
    /// The text-format parser: the first byte picks the message type, the rest is
    /// text; printing and parsing again must give the same message.
    case textFormat = "text-format"
    /// The `checkpoint` state file and the directory logic that reads it.
    case state
    /// A Keras 3 `.weights.h5` (HDF5, walked by libhdf5 in a contained child
    /// process): every tensor, the layer annotations, `verify()`.
    case keras
    /// A zip read as a checkpoint: the first byte picks a `.keras` archive (even)
    /// or an `.npz` (odd, stored or deflated members), the rest is the file; every
    /// tensor, `verify()`.
    case zip

    /// The name of the fuzzer program that runs this target (`Fuzz/Sources/…`).
    public var programName: String {
        switch self {
        case .table: "FuzzTable"
        case .bundle: "FuzzBundle"
        case .slices: "FuzzSlices"
        case .proto: "FuzzProto"
        case .textFormat: "FuzzTextFormat"
        case .state: "FuzzState"
        case .keras: "FuzzKeras"
        case .zip: "FuzzZip"
        }
    }

    /// Feeds one input through the library.
    ///
    /// - Parameters:
    ///   - input: The fuzzer's bytes.
    ///   - scratch: Where the targets that read files write the input first.
    /// - Throws: ``MetaGraphKit/MetaGraphKitError`` when the library rejects the
    ///   input (expected), ``FuzzInvariantViolation`` for a bug.
    public func run(_ input: UnsafeRawBufferPointer, in scratch: FuzzScratch) throws {
        switch self {
        case .table: try Self.table(input, scratch)
        case .bundle: try Self.bundle(input, scratch)
        case .slices: try Self.slices(input, scratch)
        case .proto: try Self.proto(input, scratch)
        case .textFormat: try Self.textFormat(input)
        case .state: try Self.state(input, scratch)
        case .keras: try Self.keras(input, scratch)
        case .zip: try Self.zip(input, scratch)
        }
    }

    /// Runs `body` and ignores a ``MetaGraphKit/MetaGraphKitError``, so one bad
    /// tensor does not stop the target from reaching the next.
    static func tolerating(_ body: () throws -> Void) throws {
        do { try body() } catch is MetaGraphKitError {}
    }
}

/// A fuzzing input that the library accepted but mishandled: a round trip that
/// changed the message, a result that contradicts another.
public struct FuzzInvariantViolation: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String
    init(_ description: String) { self.description = description }
}
