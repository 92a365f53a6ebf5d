import Foundation
import Testing
@testable import MetaGraphKit

/// The one-pass safetensors header reader (SafetensorsHeader.swift) against
/// JSONSerialization: what it accepts it reads as Foundation does, and what it
/// declines (escapes, non-ASCII, odd numbers, other fields, malformed JSON) is
/// left to the general path.
@Suite("Foreign: safetensors header")
struct SafetensorsHeaderTests {
    /// (tensors as "key dtype shape begin end", metadata) through Foundation.
    func foundation(_ text: String) -> ([String], [String: String])? {
        guard let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
        var tensors: [String] = []
        var metadata: [String: String] = [:]
        for (key, value) in json {
            if key == "__metadata__" {
                guard let m = value as? [String: String] else { return nil }
                metadata = m
                continue
            }
            guard let info = value as? [String: Any], let d = info["dtype"] as? String, let s = info["shape"] as? [Int],
                  let o = info["data_offsets"] as? [Int], o.count == 2 else { return nil }
            tensors.append("\(key) \(d) \(s) \(o[0]) \(o[1])")
        }
        return (tensors.sorted(), metadata)
    }

    func fast(_ text: String) -> ([String], [String: String])? {
        Array(text.utf8).withUnsafeBytes { raw in
            SafetensorsHeader(raw).map { h in (h.tensors.map { "\($0.key) \($0.dtype) \($0.shape) \($0.begin) \($0.end)" }.sorted(), h.metadata) }
        }
    }

    static let accepted = [
        #"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"__metadata__":{"format":"pt","x":""}}"#,
        "{ \"w/b\" : { \"shape\" : [ ] , \"dtype\" : \"I64\" , \"data_offsets\" : [ 24 , 32 ] } }        ",
        "{}",
        "{\n\t\"__metadata__\": {}\r\n}",
        #"{"a":{"dtype":"BF16","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#,
    ]
    static let declined = [
        #"{"a\"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,            // escape
        #"{"ä":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,              // non-ASCII
        #"{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}"#,            // a fraction
        #"{"a":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}"#,            // an exponent
        #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#,             // a sign
        #"{"a":{"dtype":"F32","shape":[01],"data_offsets":[0,4]}}"#,             // a leading zero
        #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,99999999999999999999]}}"#,
        #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}}"#,    // another field
        #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#,
        #"{"a":{"dtype":"F32","shape":[1]}}"#,
        #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
        #"{"__metadata__":{"n":1}}"#,
        #"{"__metadata__":{"k":"v"},"__metadata__":{}}"#,
        #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#,                // unclosed
        #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}},"#,              // trailing comma
        #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}x"#,              // trailing bytes
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}\0",
        #"{"a":{"dtype":"F32","shape":[1,],"data_offsets":[0,4]}}"#,
        #"[]"#, "", #"{"a":1}"#, #"{"a":{"dtype":5,"shape":[1],"data_offsets":[0,4]}}"#,
    ]

    @Test func readsWhatFoundationReads() throws {
        for text in Self.accepted {
            let f = try #require(fast(text), "declined: \(text)")
            let g = try #require(foundation(text), "Foundation: \(text)")
            #expect(f.0 == g.0, "\(text)")
            #expect(f.1 == g.1, "\(text)")
        }
    }

    @Test func declinesTheRest() {
        for text in Self.declined { #expect(fast(text) == nil, "accepted: \(text)") }
    }

    /// A header of many tensors as a writer lays them out, and the checkpoint it opens.
    @Test func manyTensors() throws {
        try withTemporaryDirectory { dir in
            var fields: [String] = []
            for i in 0..<5000 { fields.append("\"t/\(i)\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[\(8 * i),\(8 * i + 8)]}") }
            let header = "{\"__metadata__\":{\"format\":\"np\"}," + fields.joined(separator: ",") + "}"
            #expect(fast(header)?.0 == foundation(header)?.0)
            var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { Array($0) } + Array(header.utf8)
            bytes += (0..<(5000 * 8)).map { UInt8(truncatingIfNeeded: $0) }
            try FileIO.writeAtomically(bytes, to: dir + "/m.safetensors")
            let reader = try CheckpointReader(path: dir + "/m.safetensors")
            #expect(reader.entries.count == 5000)
            #expect(reader.entries.first?.key == "t/0" && reader.entries.last?.key == "t/999")
            let t = try reader.tensor("t/4999")
            #expect(t.bytes == (0..<8).map { UInt8(truncatingIfNeeded: 4999 * 8 + $0) })
        }
    }
}
