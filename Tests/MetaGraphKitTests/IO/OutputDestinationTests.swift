import Foundation
import Testing
@testable import MetaGraphKit

/// The one check before every write, and the identification of inputs, called as a
/// library user would (Tests/Hostile/test_outputs.py and test_input_kinds.py run
/// every command that uses them).
@Suite("OutputDestination and InputIdentification")
struct OutputDestinationTests {
    private func write(_ path: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func existingOutputsNeedOverwrite() throws {
        try withTemporaryDirectory { dir in
            try OutputDestination.check(dir + "/new.meta", overwrite: false)
            try write(dir + "/a.meta", [1, 2, 3])
            let error = #expect(throws: MetaGraphKitError(.exists, "")) {
                try OutputDestination.check(dir + "/a.meta", overwrite: false)
            }
            #expect(error?.message == "\(dir)/a.meta: the destination exists (a file of 3 bytes); use --overwrite to replace it")
            try OutputDestination.check(dir + "/a.meta", overwrite: true)
            // A checkpoint prefix exists when any of its files does.
            try write(dir + "/p.data-00001-of-00002", [0])
            let prefix = #expect(throws: MetaGraphKitError(.exists, "")) {
                try OutputDestination.check(dir + "/p", kind: .checkpoint, overwrite: false)
            }
            #expect(prefix?.message.contains("(\(dir)/p.data-00001-of-00002)") == true)
            // An empty directory is fine; one with entries is not.
            try FileManager.default.createDirectory(atPath: dir + "/d", withIntermediateDirectories: false)
            try OutputDestination.check(dir + "/d", kind: .directory, overwrite: false)
            try write(dir + "/d/checkpoint", [0])
            #expect(throws: MetaGraphKitError(.exists, "")) {
                try OutputDestination.check(dir + "/d", kind: .directory, overwrite: false)
            }
            #expect(throws: MetaGraphKitError(.invalidArgument, "")) {
                try OutputDestination.check(dir + "/d", overwrite: true)   // a file cannot replace a directory
            }
        }
    }

    @Test func overlappingTheSourceIsRefusedEvenWithOverwrite() throws {
        try withTemporaryDirectory { dir in
            try write(dir + "/v1", [0])
            try write(dir + "/v2.index", [0])
            try write(dir + "/v2.data-00000-of-00001", [0])
            try FileManager.default.linkItem(atPath: dir + "/v1", toPath: dir + "/hard")
            let cases: [(String, OutputDestination.Kind, String)] = [
                (dir + "/v1", .checkpoint, dir + "/v1"),                 // V2 files beside a V1 file of one name
                (dir + "/./x/../v2", .checkpoint, dir + "/v2"),           // another spelling
                (dir + "/v2", .checkpoint, dir + "/v2.index"),            // the source's own index
                (dir + "/v2.index", .file, dir + "/v2"),                  // a file of the source
                (dir + "/hard", .file, dir + "/v1"),                      // the same inode
                (dir, .directory, dir),                                   // the source directory
            ]
            try FileManager.default.createDirectory(atPath: dir + "/x", withIntermediateDirectories: false)
            for (destination, kind, source) in cases {
                for overwrite in [false, true] {
                    let error = #expect(throws: MetaGraphKitError(.invalidArgument, "")) {
                        try OutputDestination.check(destination, kind: kind, overwrite: overwrite, sources: [source])
                    }
                    #expect(error?.message.hasPrefix("\(destination): the destination is the source \(source)") == true)
                }
            }
            try OutputDestination.check(dir + "/v2-copy", kind: .checkpoint, overwrite: false, sources: [dir + "/v2"])
        }
    }

    @Test func inputsAreIdentifiedByNameContentAndDirectory() throws {
        try withTemporaryDirectory { dir in
            let samples: [(String, [UInt8], InputIdentity.Kind)] = [
                ("empty", [], .empty),
                ("lfs.index", Array("version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 42\n".utf8), .gitLFSPointer),
                ("w.h5", [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0], .hdf5),
                ("a.gz", [0x1f, 0x8b, 8, 0], .gzip),
                ("m.tflite", [0x1c, 0, 0, 0] + Array("TFL3".utf8) + [0, 0], .tflite),
                ("m.pt", [0x80, 0x02, 0x7d, 0x71], .pytorch),
                ("a.npy", [0x93] + Array("NUMPY".utf8) + [1, 0, 0, 0], .npy),
                ("m.safetensors", [2, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8), .safetensors),
                ("g.meta", [0x0a, 0], .metaGraph),
                ("cut.index", [UInt8](repeating: 0, count: 100), .truncatedIndex),
            ]
            for (name, bytes, kind) in samples {
                try write(dir + "/" + name, bytes)
                let identity = InputIdentification.identify(dir + "/" + name)
                #expect(identity.kind == kind, "\(name): \(identity.message)")
                #expect(identity.message.hasPrefix(dir + "/" + name + ": "))
            }
            #expect(InputIdentification.identify(dir + "/lfs").file == dir + "/lfs.index")   // a prefix names its index
            #expect(InputIdentification.identify(dir + "/nothing").kind == .missing)
            let saved = InputIdentification.identify(Fixture.path("saved_model"))
            #expect(saved.kind == .savedModelDirectory)
            #expect(saved.advice.hasSuffix("saved_model/variables/variables"))
            #expect(InputIdentification.identify(Fixture.path("ckpt/v1_dtypes")).kind == .v1Checkpoint)
            #expect(InputIdentification.identify(Fixture.path("ckpt/v2_dtypes")).kind == .checkpointPrefix)
            #expect(InputIdentification.identify(Fixture.path("state/relative/checkpoint")).kind == .stateFile)
            #expect(InputIdentification.checkpoints(in: Fixture.path("ckpt")).contains("v1_sharded-?????-of-00003"))
        }
    }

    @Test func aCheckpointReaderReadsWhatThePathStandsFor() throws {
        let viaState = try CheckpointReader(path: Fixture.path("state/relative/checkpoint"))
        #expect(viaState.prefix == Fixture.path("state/relative/ckpt-3"))
        let viaSavedModel = try CheckpointReader(path: Fixture.path("saved_model/saved_model.pb"))
        #expect(viaSavedModel.prefix == Fixture.path("saved_model/variables/variables"))
        let error = #expect(throws: MetaGraphKitError(.invalidArgument, "")) {
            _ = try CheckpointReader(path: Fixture.path("meta/train_graph.meta"))
        }
        #expect(error?.message.hasSuffix("pass the checkpoint beside it, \(Fixture.path("meta/train_graph"))") == true)
        #expect(error?.derivedFile == Fixture.path("meta/train_graph.meta"))
    }
}
