import Foundation
import Testing
@testable import MetaGraphKit

@Suite("CheckpointState value and codec")
struct CheckpointStateTests {
    static let sample = CheckpointState(
        modelCheckpointPath: "ckpt-2", allModelCheckpointPaths: ["ckpt-1", "ckpt-2"],
        allModelCheckpointTimestamps: [1795555379.5780394, 1795555379.5925772],
        lastPreservedTimestamp: 1795555378.5200078)

    @Test func messageRoundTrip() throws {
        let message = Self.sample.message()
        #expect(message.type == .checkpointState)
        #expect(try CheckpointState(message: message) == Self.sample)
        let decoded = try ProtoMessage(binary: message.binary(), as: .checkpointState)
        #expect(try CheckpointState(message: decoded) == Self.sample)
    }

    @Test func emptyStateRoundTrip() throws {
        let empty = CheckpointState(modelCheckpointPath: "")
        #expect(empty.message().binary().isEmpty)
        #expect(try CheckpointState(message: empty.message()) == empty)
    }

    @Test func messageOfAnotherTypeIsRefused() {
        #expect(throws: MetaGraphKitError(.invalidArgument, "")) {
            _ = try CheckpointState(message: ProtoMessage(empty: .saverDef))
        }
    }

    @Test func parsesWhatCheckpointManagerWrites() throws {
        let state = try CheckpointState(textFormat: StateFixture.managerText)
        #expect(state == Self.sample)
        #expect(state.textFormat() == StateFixture.managerText)
    }

    @Test func textRoundTripOfHostileStrings() throws {
        let state = CheckpointState(
            modelCheckpointPath: "dir with \"quotes\"/ü\\né\t-1",
            allModelCheckpointPaths: ["a", "dir with \"quotes\"/ü\\né\t-1"])
        #expect(try CheckpointState(textFormat: state.textFormat()) == state)
    }

    @Test func acceptsOctalHexAndRawUTF8Escapes() throws {
        let state = try CheckpointState(textFormat: #"model_checkpoint_path: "\303\274-\xc3\xbc-ü""#)
        #expect(state.modelCheckpointPath == "ü-ü-ü")
    }

    @Test func nonUTF8PathIsATypedError() {
        // Paths are Swift Strings; bytes that are not UTF-8 are refused, never replaced.
        let error = #expect(throws: MetaGraphKitError.self) {
            _ = try CheckpointState(textFormat: #"model_checkpoint_path: "a\377b""#)
        }
        #expect(error?.code == .unsupported || error?.code == .syntax)
    }

    @Test func unknownFieldIsAnError() {
        #expect(throws: MetaGraphKitError(.unknownName, "")) {
            _ = try CheckpointState(textFormat: "model_checkpoint_path: \"a\"\nbogus: 1\n")
        }
    }

    @Test func timestampsPairWithPaths() {
        #expect(Self.sample.timestamp(at: 1) == 1795555379.5925772)
        #expect(Self.sample.timestamp(at: 2) == nil)
        let tf1 = CheckpointState(modelCheckpointPath: "/a/m-3", allModelCheckpointPaths: ["/a/m-2"])
        #expect(tf1.listedPaths == ["/a/m-2", "/a/m-3"])
    }
}
