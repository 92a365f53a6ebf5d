// What the fuzzer programs call: libFuzzer's two entry points, for one target.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MetaGraphKit

extension FuzzTarget {
    /// The scratch directory of this process, in `$MGK_FUZZ_SCRATCH` (Fuzz/run
    /// sets it) or `/dev/shm`.
    nonisolated(unsafe) static var fuzzerScratch: FuzzScratch?

    /// The body of `LLVMFuzzerTestOneInput`: runs the input, returns 0 when the
    /// library accepted or rejected it properly, and aborts (so libFuzzer saves the
    /// input) when a round trip failed or an error other than
    /// ``MetaGraphKit/MetaGraphKitError`` came out.
    ///
    /// - Parameters:
    ///   - data: The input's bytes.
    ///   - size: Their count.
    /// - Returns: 0.
    public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        let scratch = Self.fuzzerScratch ?? FuzzScratch(parent: getenv("MGK_FUZZ_SCRATCH").map { String(cString: $0) } ?? "/dev/shm")
        Self.fuzzerScratch = scratch
        do {
            try run(UnsafeRawBufferPointer(start: data, count: size), in: scratch)
        } catch is MetaGraphKitError {
        } catch {
            printError("\(rawValue): \(error)")
            abort()
        }
        return 0
    }

    /// The body of `LLVMFuzzerInitialize`: with `MGK_FUZZ_WRITE_SEEDS=DIR` and
    /// `MGK_FUZZ_FIXTURES=Fixtures` set, writes this target's seeds into DIR and
    /// exits (Fuzz/run makes the starting corpora this way); otherwise does
    /// nothing.
    ///
    /// - Returns: 0.
    public func fuzzerInitialize() -> CInt {
        guard let dir = getenv("MGK_FUZZ_WRITE_SEEDS").map({ String(cString: $0) }) else { return 0 }
        let fixtures = getenv("MGK_FUZZ_FIXTURES").map { String(cString: $0) } ?? "Fixtures"
        do {
            let seeds = try seeds(fixtures: fixtures)
            for seed in seeds {
                let fd = open("\(dir)/\(seed.name)", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                guard fd >= 0, seed.bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == seed.bytes.count else {
                    printError("\(dir)/\(seed.name): cannot write")
                    exit(1)
                }
                close(fd)
            }
            print("\(rawValue): \(seeds.count) seeds from \(fixtures) in \(dir)")
            exit(0)
        } catch {
            printError("\(rawValue): \(error)")
            exit(1)
        }
    }
}

/// Writes a line to standard error (Glibc's `stderr` is not concurrency-safe).
private func printError(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
