// The codec targets: protobuf-c decoding, the text-format parser, the state file.
import MetaGraphKit

extension FuzzTarget {
    /// The largest binary input of the `proto` target that is also printed.
    static let printLimit = 4096

    /// Decodes through the library's checked path (wire check, then protobuf-c);
    /// an accepted message must encode to bytes that decode and encode to the same
    /// bytes again, and must print as text and JSON. A MetaGraphDef or SavedModel
    /// also goes through `MetaGraphFile.inspect`'s own walk of the bytes and the
    /// summaries of the decoded message.
    static func proto(_ input: UnsafeRawBufferPointer, _ scratch: FuzzScratch) throws {
        guard let (type, bytes) = FuzzInput.typed(input) else { return }
        if type == .metaGraphDef || type == .savedModel {
            scratch.clear()
            let path = scratch.write(type == .savedModel ? "saved_model.pb" : "graph.meta", bytes)
            try tolerating { _ = try MetaGraphFile.inspect(path) }
        }
        let message = try ProtoMessage(binaryBuffer: bytes, as: type, file: "input")
        let encoded = message.binary()
        guard encoded.count == message.binarySize else {
            throw FuzzInvariantViolation("\(type): binary() gave \(encoded.count) bytes, binarySize says \(message.binarySize)")
        }
        let again: ProtoMessage
        do {
            again = try ProtoMessage(binary: encoded, as: type, file: "re-encoded")
        } catch {
            throw FuzzInvariantViolation("\(type): the re-encoded message does not decode: \(error)")
        }
        guard again.binary() == encoded else {
            throw FuzzInvariantViolation("\(type): encoding is not stable across a decode")
        }
        // Printing a whole MetaGraphDef costs more than all the rest; a decoded (not
        // parsed) message is worth printing for what text cannot express (unknown
        // fields, bad UTF-8, odd floats and enums), which small inputs show as well.
        if bytes.count <= printLimit {
            _ = message.textFormat()
            _ = try? message.json()
        }
        if type == .metaGraphDef || type == .savedModel {
            let file = MetaGraphFile(path: "input", kind: type == .savedModel ? .savedModel : .metaGraph,
                                     encoding: .binary, message: message)
            try tolerating { _ = try file.summaries() }
        }
        if type == .checkpointState {
            try tolerating { _ = try CheckpointState(message: message, file: "input") }
        }
    }

    /// Parses text as the message type the first byte picks; an accepted text must
    /// print as text that parses to the same message (compared by binary encoding).
    static func textFormat(_ input: UnsafeRawBufferPointer) throws {
        guard let (type, bytes) = FuzzInput.typed(input),
              let text = String(validating: bytes, as: UTF8.self) else { return }
        let message = try ProtoMessage(text: text, as: type, file: "input")
        let printed = message.textFormat()
        let reparsed: ProtoMessage
        do {
            reparsed = try ProtoMessage(text: printed, as: type, file: "printed")
        } catch {
            throw FuzzInvariantViolation("\(type): printed text does not parse: \(error)\n\(printed)")
        }
        // Text has no spelling for a NaN's sign and payload (`-nan` parses, as in
        // Python, to a negative NaN; every NaN prints as `nan`), so a message with
        // a NaN is compared as text only.
        guard reparsed.binary() == message.binary() || printed.contains(": nan\n") else {
            throw FuzzInvariantViolation("\(type): printing and parsing again changed the message\n\(printed)")
        }
        guard reparsed.textFormat() == printed else {
            throw FuzzInvariantViolation("\(type): printing is not stable across a parse\n\(printed)")
        }
        _ = try? message.json()
    }

    /// Writes the input as a directory's `checkpoint` file and asks the directory
    /// everything `tfmeta state` asks; a parsed state must print as text that
    /// parses to the same text.
    static func state(_ input: UnsafeRawBufferPointer, _ scratch: FuzzScratch) throws {
        scratch.clear()
        scratch.write("checkpoint", input)
        let directory = try CheckpointDirectory(scratch.path)
        try tolerating { _ = try directory.state() }
        try tolerating { _ = try directory.allCheckpoints() }
        try tolerating { _ = try directory.latestCheckpoint() }
        try tolerating { _ = try directory.rebase(dryRun: true) }
        try tolerating { _ = try directory.rebase(dryRun: true, dropMissing: true) }
        try tolerating { _ = try directory.prune(keep: 1, keepEveryHours: 1, dryRun: true).jsonValue }
        try tolerating {
            let report = try StateReport(directory)
            _ = report.text()
            _ = report.jsonValue
        }
        let stored = try directory.readStoredState()
        let printed = stored.textFormat()
        let again: CheckpointState
        do {
            again = try CheckpointState(textFormat: printed, file: "printed")
        } catch {
            throw FuzzInvariantViolation("the printed state does not parse: \(error)\n\(printed)")
        }
        guard again.textFormat() == printed else {
            throw FuzzInvariantViolation("printing the state is not stable across a parse\n\(printed)")
        }
    }
}
