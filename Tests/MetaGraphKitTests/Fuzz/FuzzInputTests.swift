import Foundation
import MetaGraphKit
import MetaGraphKitFuzzing
import Testing

/// The fuzzing targets' entries (Sources/MetaGraphKitFuzzing) run in the normal
/// suite: every seed through its own target (accepted), every seed through every
/// other target, and every input a fuzzer once crashed on (Inputs/TARGET/) through
/// its target. The outcome must be success or a MetaGraphKitError; a trap or a
/// sanitizer report fails the run, a FuzzInvariantViolation fails the test.
@Suite("Fuzzing inputs")
struct FuzzInputTests {
    static let inputs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Inputs")

    /// Runs one input; true when the library accepted it.
    @discardableResult
    static func run(_ target: FuzzTarget, _ bytes: [UInt8], _ name: String,
                    sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let scratch = FuzzScratch(parent: FileManager.default.temporaryDirectory.path)
        do {
            try bytes.withUnsafeBytes { try target.run($0, in: scratch) }
            return true
        } catch is MetaGraphKitError {
            return false
        } catch {
            Issue.record("\(target) on \(name): \(error)", sourceLocation: sourceLocation)
            return false
        }
    }

    @Test("every seed is accepted by its target", arguments: FuzzTarget.allCases)
    func seedsAreAccepted(_ target: FuzzTarget) throws {
        let seeds = try target.seeds(fixtures: Fixture.root.path)
        #expect(!seeds.isEmpty)
        for seed in seeds {
            let scratch = FuzzScratch(parent: FileManager.default.temporaryDirectory.path)
            #expect(throws: Never.self, "\(seed.name)") {
                try seed.bytes.withUnsafeBytes { try target.run($0, in: scratch) }
            }
        }
    }

    /// Every eighth seed of the other targets (all of them took a minute under ASan).
    @Test("seeds of every other target", arguments: FuzzTarget.allCases)
    func seedsCrossTargets(_ target: FuzzTarget) throws {
        for other in FuzzTarget.allCases where other != target {
            let seeds = try other.seeds(fixtures: Fixture.root.path)
            #expect(!seeds.isEmpty, "\(other) has no seeds")
            for i in stride(from: 0, to: seeds.count, by: 8) {
                Self.run(target, seeds[i].bytes, "\(other) seed \(seeds[i].name)")
            }
        }
    }

    /// The committed inputs, `Inputs/TARGET/NAME`.
    static var regressionInputs: [(FuzzTarget, URL)] {
        FuzzTarget.allCases.flatMap { target in
            let dir = inputs.appendingPathComponent(target.rawValue)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            return names.sorted().map { (target, dir.appendingPathComponent($0)) }
        }
    }

    @Test("every input a fuzzer crashed on is now rejected or read cleanly")
    func regressionInputsRunCleanly() throws {
        // A missing or moved Inputs/ folder must fail here, not pass with nothing run.
        #expect(!Self.regressionInputs.isEmpty, "no inputs under \(Self.inputs.path)")
        for (target, file) in Self.regressionInputs {
            Self.run(target, [UInt8](try Data(contentsOf: file)), file.lastPathComponent)
        }
    }

    @Test("an input is split into files as its seed was joined")
    func recordsRoundTrip() {
        let files: [[UInt8]] = [[1, 2, 3], [], Array(repeating: 7, count: 300)]
        let joined = FuzzInput.joining(files)
        let split = joined.withUnsafeBytes { FuzzInput.records($0).map { Array($0) } }
        #expect(split == files)
        // A length past the end takes the rest.
        let short = [UInt8]([9, 0, 0, 0, 1, 2])
        #expect(short.withUnsafeBytes { FuzzInput.records($0).map { Array($0) } } == [[1, 2]])
    }
}
