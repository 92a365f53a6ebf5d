import Foundation
import Testing
@testable import MetaGraphKit

/// Every TensorFlow-written checkpoint under Fixtures/ckpt, compared tensor by tensor
/// with TensorFlow's own reading (`NAME.expected.json`).
@Suite("Fixture checkpoints")
struct FixtureCheckpointTests {
    /// `Fixtures/ckpt`, plus the directories in `MGK_EXTRA_CKPT_DIRS` (colon-separated).
    static func expectationFiles() -> [String] {
        var dirs = [Fixture.path("ckpt")]
        if let extra = ProcessInfo.processInfo.environment["MGK_EXTRA_CKPT_DIRS"] {
            dirs += extra.split(separator: ":").map(String.init)
        }
        var out: [String] = []
        for dir in dirs {
            guard let enumerator = FileManager.default.enumerator(atPath: dir) else { continue }
            for case let name as String in enumerator where name.hasSuffix(".expected.json") {
                out.append(dir + "/" + name)
            }
        }
        return out.sorted()
    }

    @Test(arguments: expectationFiles())
    func readsLikeTensorFlow(_ expectation: String) throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: expectation))) as! [String: Any]
        let dir = URL(fileURLWithPath: expectation).deletingLastPathComponent().path
        let prefix = dir + "/" + (json["prefix"] as! String)
        let reader = try CheckpointReader(path: prefix)
        if let format = json["format"] as? String { #expect(reader.format.rawValue == format) }
        let tensors = json["tensors"] as! [String: [String: Any]]
        for (key, want) in tensors.sorted(by: { $0.key < $1.key }) {
            let entry = try #require(reader.entry(key), "\(key) not listed")
            if let dtype = want["dtype"] as? String { #expect(entry.dtype.name == dtype, "\(key)") }
            let shape = (want["shape"] as! [Any]).map { ($0 as! NSNumber).intValue }
            #expect(entry.shape == shape, "\(key)")
            let tensor = try reader.tensor(key)
            #expect(tensor.shape == shape)
            if let raw = want["raw"] as? String {
                #expect(tensor.bytes == [UInt8](Data(base64Encoded: raw)!), "\(key) bytes differ")
            } else if let strings = want["strings"] as? [String] {
                #expect(tensor.strings == strings.map { [UInt8](Data(base64Encoded: $0)!) }, "\(key) strings differ")
            }
        }
        #expect(reader.verify().isEmpty, "\(reader.verify())")
    }
}
