import Foundation
import Testing
@testable import MetaGraphKit

/// The context of an error is data a caller can read, not only text.
@Suite("Error context")
struct ErrorContextTests {
    @Test func cursorErrorsCarryTheFileAndTheOffset() throws {
        let e = #expect(throws: MetaGraphKitError.self) {
            try [UInt8](repeating: 0xff, count: 4).withUnsafeBytes { raw in
                var c = ByteCursor(raw, file: "t.index", origin: 0x10)
                try c.skip(2)
                _ = try c.readVarint64("length")
            }
        }
        #expect(e?.code == .truncated)
        #expect(e?.file == "t.index")
        #expect(e?.offset == 0x12)
        #expect(e?.message == "t.index: length runs past the end, at byte 0x12")
    }

    @Test func failedSystemCallsCarryTheirErrno() throws {
        try withTemporaryDirectory { dir in
            let missing = dir + "/missing.data-00000-of-00001"
            let e = #expect(throws: MetaGraphKitError.self) { _ = try MappedFile(path: missing) }
            #expect(e?.code == .notFound)
            #expect(e?.file == missing)
            #expect(e?.cause as? Errno == Errno.noSuchFile)
            #expect(e?.message == "\(missing): cannot open: No such file or directory")

            try FileIO.writeAtomically([1], to: dir + "/taken")
            let exists = #expect(throws: MetaGraphKitError.self) { _ = try OutputFile(creating: dir + "/taken") }
            #expect(exists?.code == .exists)
            #expect(exists?.cause as? Errno == Errno.fileExists)
        }
    }

    @Test func readerErrorsNameTheKey() throws {
        let reader = try CheckpointReader(path: Fixture.path("ckpt/v2_dtypes"))
        let e = #expect(throws: MetaGraphKitError.self) { _ = try reader.tensor("no/such/tensor") }
        #expect(e?.code == .notFound)
        #expect(e?.key == "no/such/tensor")
        #expect(e?.file?.hasSuffix("v2_dtypes.index") == true || e?.file?.hasSuffix("v2_dtypes") == true)
    }

    @Test func theOldInitializerStillWorks() {
        let e = MetaGraphKitError(.corrupt, "f: bad", cause: Errno(rawValue: 5))
        #expect(e.message == "f: bad" && e.description == "f: bad")
        #expect(e.file == nil && e.key == nil && e.offset == nil)
        #expect(e == MetaGraphKitError(.corrupt, "another message"))
        #expect(String(reflecting: e).contains("code: corrupt"))
        #if DEBUG
        #expect(e.location?.fileID.hasSuffix("ErrorContextTests.swift") == true)
        #endif
    }
}
