import Foundation
import Testing
@testable import MetaGraphKit

/// Migration on several threads writes what the serial copy writes, byte for
/// byte, and fails as it fails.
@Suite("Parallel migration")
struct ParallelMigrationTests {
    static let sources = ["ckpt/v2_sharded", "ckpt/v2_sliced_tf2", "ckpt/v2_dtypes", "ckpt/v2_partitioned", "ckpt/tf2_keras",
                          "ckpt/v1_sharded-?????-of-00003", "ckpt/v1_partitioned", "ckpt/v1_dtypes"]

    /// Every file of the V2 checkpoint at `prefix`, by name (without the prefix).
    static func files(_ prefix: String) throws -> [String: [UInt8]] {
        let dir = PathRules.dirname(prefix), base = PathRules.basename(prefix)
        var out: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name.hasPrefix(base + ".") {
            out[String(name.dropFirst(base.count))] = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)))
        }
        return out
    }

    static func options(jobs: Int, shards: Int, merge: Bool = false) -> Migration.Options {
        var options = Migration.Options()
        options.jobs = jobs
        options.shards = shards
        options.mergeSlices = merge
        options.parallelMinimumSize = 0   // every fixed-size payload goes to the worker threads
        return options
    }

    /// TensorFlow's sharded and sliced fixtures, V1 and V2, to one and to three data
    /// files, slices kept or merged: 4 threads write the same bytes as 1.
    @Test(arguments: sources, [1, 3])
    func sameBytesAsSerial(source: String, shards: Int) throws {
        try withTemporaryDirectory { dir in
            for merge in [false, true] {
                let serial = dir + "/serial-\(merge)", parallel = dir + "/parallel-\(merge)"
                let a = try Migration.migrate(source: Fixture.path(source), destination: serial,
                                              options: Self.options(jobs: 1, shards: shards, merge: merge))
                let b = try Migration.migrate(source: Fixture.path(source), destination: parallel,
                                              options: Self.options(jobs: 4, shards: shards, merge: merge))
                #expect(a.tensors == b.tensors && a.slices == b.slices && a.bytes == b.bytes)
                let x = try Self.files(serial), y = try Self.files(parallel)
                #expect(x.keys.sorted() == y.keys.sorted())
                #expect(x.count == shards + 1)
                for (name, bytes) in x { #expect(sameBytes(bytes, y[name] ?? []), "\(source) \(name) merge \(merge)") }
                #expect(try CheckpointReader(path: parallel).verify(jobs: 1).isEmpty)
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).allSatisfy { !$0.contains("tempstate") })
        }
    }

    /// Large payloads spread over data files (the path the 1 MiB threshold takes):
    /// eight 1.5 MiB tensors in four data files, plus small and string tensors
    /// between them, come out the same with 1, 2 and 8 threads.
    @Test func largePayloadsOverManyShards() throws {
        try withTemporaryDirectory { dir in
            var options = BundleWriter.Options()
            options.shards = 4
            let source = dir + "/src"
            let writer = try BundleWriter(prefix: source, options: options)
            for i in 0..<8 {
                let values = (0..<(3 << 17)).map { Float($0 &* (i + 1)) }   // 1.5 MiB
                try values.withUnsafeBytes { try writer.add(name: "layer_\(i)/kernel", dtype: .float32, shape: [values.count], bytes: $0) }
                try [Int64(i)].withUnsafeBytes { try writer.add(name: "layer_\(i)/step", dtype: .int64, shape: [], bytes: $0) }
            }
            try writer.add(name: "names", shape: [2], strings: [Array("a".utf8), Array("bc".utf8)])
            try writer.finish()
            var outputs: [[String: [UInt8]]] = []
            for jobs in [1, 2, 8] {
                var o = Migration.Options()
                o.jobs = jobs
                o.shards = 3
                try Migration.migrate(source: source, destination: dir + "/out\(jobs)", options: o)
                outputs.append(try Self.files(dir + "/out\(jobs)"))
            }
            for other in outputs.dropFirst() {
                #expect(other.keys.sorted() == outputs[0].keys.sorted())
                for (name, bytes) in outputs[0] { #expect(sameBytes(bytes, other[name] ?? []), "\(name)") }
            }
            let reader = try CheckpointReader(path: dir + "/out8")
            #expect(reader.verify(jobs: 2).isEmpty)
            #expect(try reader.tensor("layer_5/kernel") == CheckpointReader(path: source).tensor("layer_5/kernel"))
        }
    }

    /// A damaged payload in one data file: the same error (naming that file and
    /// the tensor) with 1 and with 4 threads, and nothing left at the destination.
    @Test(arguments: ["ckpt/v2_sharded", "ckpt/v2_sliced_tf2"])
    func damageFailsAsSerial(fixture: String) throws {
        try withTemporaryDirectory { dir in
            let source = dir + "/src"
            for (name, bytes) in try Self.files(Fixture.path(fixture)) {
                try Data(bytes).write(to: URL(fileURLWithPath: source + name))
            }
            // Flip one byte of the last payload of the last data file holding a non-empty one.
            let bundle = try BundleReader(prefix: source)
            let victim = bundle.keys.compactMap { bundle.entries[$0] }.filter { $0.size > 0 && $0.dtype.elementSize != nil }
                .max { ($0.shardID, $0.offset) < ($1.shardID, $1.offset) }!
            let path = bundle.dataFileName(victim.shardID)
            var data = try Data(contentsOf: URL(fileURLWithPath: path))
            data[Int(victim.offset)] ^= 0x40
            try data.write(to: URL(fileURLWithPath: path))
            var errors: [MetaGraphKitError] = []
            for jobs in [1, 4] {
                do {
                    try Migration.migrate(source: source, destination: dir + "/out", options: Self.options(jobs: jobs, shards: 2))
                    Issue.record("migrate of a damaged checkpoint succeeded with \(jobs) jobs")
                } catch let e as MetaGraphKitError {
                    errors.append(e)
                }
                #expect(try FileManager.default.contentsOfDirectory(atPath: dir).allSatisfy { !$0.hasPrefix("out") },
                        "\(jobs) jobs left files behind")
            }
            #expect(errors.count == 2)
            #expect(errors[0].message == errors[1].message)
            #expect(errors[0].code == .badChecksum)
            #expect(errors[1].file == path, "\(errors[1])")
        }
    }
}

@Suite("Shard scheduler")
struct ShardSchedulerTests {
    /// Of several failing units the lowest-numbered one's error is thrown, and
    /// every unit before it ran.
    @Test func lowestFailureWins() throws {
        struct Failed: Error, Equatable { let i: Int }
        for jobs in [1, 2, 7] {
            let ran = Counter()
            #expect(throws: Failed(i: 40)) {
                try ShardScheduler.run(count: 100, jobs: jobs) { i in
                    ran.add(i)
                    if i == 40 || i == 41 || i == 97 { throw Failed(i: i) }
                }
            }
            #expect(Set(0...40).isSubset(of: ran.seen), "\(jobs) jobs")
            if jobs == 1 { #expect(ran.seen == Set(0...40)) }
        }
    }

    /// Results come back in index order and no more than `jobs` units run at once.
    @Test func mapKeepsOrderAndBound() {
        let gauge = Counter()
        let out = ShardScheduler.map(count: 200, jobs: 3) { i -> Int in
            gauge.enter()
            defer { gauge.leave() }
            usleep(200)
            return i * i
        }
        #expect(out == (0..<200).map { $0 * $0 })
        #expect(gauge.peak <= 3 && gauge.peak >= 1)
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var seen = Set<Int>()
        private var inFlight = 0
        private(set) var peak = 0
        func add(_ i: Int) { lock.lock(); seen.insert(i); lock.unlock() }
        func enter() { lock.lock(); inFlight += 1; peak = max(peak, inFlight); lock.unlock() }
        func leave() { lock.lock(); inFlight -= 1; lock.unlock() }
    }
}

@Suite("Per-shard migration units")
struct SourceShardTests {
    /// Each data file of TensorFlow's sliced, sharded fixture as a unit of its own:
    /// every stored payload lands in exactly one unit, equal to the source's. (A
    /// unit holding some slices of a partitioned tensor is complete only once the
    /// units are merged, so units are not verified one by one here.)
    @Test func unitsPartitionTheSource() throws {
        try withTemporaryDirectory { dir in
            let source = Fixture.path("ckpt/v2_sliced_tf2")
            let original = try BundleReader(prefix: source)
            var payloads = 0
            for unit in 0..<original.header.numShards {
                var options = Migration.Options()
                options.sourceShard = unit
                try Migration.migrate(source: source, destination: dir + "/unit\(unit)", options: options)
                let part = try BundleReader(prefix: dir + "/unit\(unit)")
                #expect(part.table.verify().isEmpty)
                for key in part.keys {
                    let e = part.entries[key]!
                    guard e.slices.isEmpty else { continue }
                    let o = original.entries[key]!
                    #expect(o.shardID == unit, "\(BundleReader.display(key)) is not stored in data file \(unit)")
                    #expect(try part.tensor(key) == original.tensor(key))
                    payloads += 1
                }
            }
            #expect(payloads == original.keys.filter { original.entries[$0]!.slices.isEmpty }.count)
            var options = Migration.Options()
            options.sourceShard = 3
            #expect(throws: MetaGraphKitError.self) {
                try Migration.migrate(source: source, destination: dir + "/bad", options: options)
            }
        }
    }
}
