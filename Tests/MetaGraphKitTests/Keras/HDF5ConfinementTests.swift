import Foundation
@testable import MetaGraphKit
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The contained HDF5 reader's seccomp filter (Sources/CHDF5/hdf5_guard.c), seen from
/// a child confined the same way: no file opened, no socket, no program started.
@Suite("HDF5 reader confinement")
struct HDF5ConfinementTests {
    @Test func confinedChildCannotOpenFilesConnectOrExec() throws {
        let probe = try #require(HDF5.confinementProbe(opening: "/etc/passwd"))
        if probe.unavailable {
            // AddressSanitizer builds keep the reader unconfined, so that a memory
            // error in it is reported: then everything must still work.
            #expect(!probe.confined && probe.openErrno == 0 && probe.socketErrno == 0 && probe.execSignal == 0)
            return
        }
        #expect(probe.confined)
        #expect(probe.openErrno == EPERM)
        #expect(probe.socketErrno == EPERM)
        #expect(probe.execSignal == SIGSYS)
    }
}
