// The one place that calls libhdf5: this file and its two extensions,
// HDF5+Read.swift and HDF5+Write.swift (Scripts/check-c-wall.sh keeps it so).
// Reading is contained: the file's structure is walked by libhdf5 in a forked
// child process (libhdf5 is not hardened against crafted files), which sends back
// a catalog of groups, string attributes and datasets (type, shape, where the
// contiguous bytes are). The parent never hands an untrusted file to libhdf5; it
// reads the element bytes itself from its own map of the file, after checking them
// against the file's size. Writing (structures this library made) runs libhdf5
// in-process.
internal import CHDF5
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum HDF5 {
    /// A dataset's element type as the file declares it.
    struct ElementType: Equatable {
        /// `H5T_class_t` (0 integer, 1 float, 8 enum, …).
        var typeClass: Int32
        var size: Int
        var signed: Bool
        var bigEndian: Bool
    }

    /// One dataset of a file.
    struct Dataset {
        var path: String
        var type: ElementType
        /// Empty for a scalar.
        var shape: [Int]
        /// Where the contiguous element bytes start in the file; nil when the
        /// dataset has no storage yet or is not stored contiguously.
        var offset: Int?
        /// Bytes allocated in the file for the elements.
        var storageSize: Int
        /// The elements, read by the child, for compact or chunked (small) datasets.
        var inlineBytes: [UInt8]?
        /// Why the elements cannot be read, when they cannot.
        var unreadable: String?
        var attributes: [(String, String)]
    }

    /// One group and its string attributes.
    struct Group {
        var path: String
        var attributes: [(String, String)]
    }

    struct Catalog {
        var groups: [Group] = []
        var datasets: [Dataset] = []
    }

    /// The 8 bytes every HDF5 superblock starts with.
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]

    /// Limits on what the child reports, so that no catalog is sized by the file.
    static let maxObjects = 1_000_000
    static let maxDepth = 64
    static let maxRank = 32
    static let maxAttributeBytes = 1 << 16
    static let maxInlineBytes = 64 << 20
    static let maxCatalogBytes = 512 << 20
    /// CPU seconds the contained reader may spend on a file of `size` bytes. Its walk
    /// reads the structure and at most 64 MiB of inline data per dataset: milliseconds
    /// on real files. A crafted file that sends libhdf5 into a loop (the `keras`
    /// fuzzer found one: two bytes changed in a 17 KB weights file) is stopped here
    /// within seconds, not minutes.
    static func childCPUSeconds(forSize size: Int) -> rlim_t { rlim_t(min(120, 5 + size / (16 << 20))) }
    /// Wall-clock seconds before the child is killed (it may wait for the disk).
    static func childWallSeconds(forSize size: Int) -> Double { Double(childCPUSeconds(forSize: size)) * 2 + 10 }

    /// Held around every in-process use of libhdf5 and around the fork.
    static let lock = NSLock()

    /// Loads libhdf5 (once; CHDF5 loads it at run time, see include/CHDF5.h), or
    /// throws why it cannot be used. Called before any libhdf5 call, and before
    /// the fork, so that the child never runs the dynamic loader.
    static func load(_ name: String) throws {
        guard mgk_hdf5_load() != 0 else { return }
        let why = mgk_hdf5_error().map { String(cString: $0) } ?? "libhdf5 cannot be loaded"
        throw MetaGraphKitError.unsupported(name, "reading and writing HDF5 needs libhdf5: \(why)")
    }

    static func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
