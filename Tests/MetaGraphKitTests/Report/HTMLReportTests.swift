import Foundation
import Testing
@testable import MetaGraphKit

/// `tfmeta report`'s library side: histograms counted with the statistics, the data
/// block that no key can close, and outputs never replaced without `overwrite`.
@Suite("HTML report")
struct HTMLReportTests {
    /// A little-endian float32 `.npy` of `values`.
    func npy(_ values: [Float], shape: String) -> [UInt8] {
        var text = Array("{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }".utf8)
        while (10 + text.count + 1) % 64 != 0 { text.append(0x20) }
        text.append(0x0a)
        let data = values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt32($0))) } }
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.count & 0xff), UInt8(text.count >> 8)] + text + data
    }

    @Test func histogramsCountTheFiniteElementsInEqualBins() throws {
        try withTemporaryDirectory { dir in
            let values: [Float] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, .nan, .infinity, 9, 9]
            try Data(npy(values, shape: "(14,)")).write(to: URL(fileURLWithPath: dir + "/x.npy"))
            try Data(npy([2, 2, 2], shape: "(3,)")).write(to: URL(fileURLWithPath: dir + "/flat.npy"))
            try Data(npy([7], shape: "(1,)")).write(to: URL(fileURLWithPath: dir + "/one.npy"))
            let stats = try CheckpointStats.compute(dir, histogramBins: 5)
            let byKey = Dictionary(uniqueKeysWithValues: stats.tensors.map { ($0.key, $0) })
            // [0, 1.8) [1.8, 3.6) [3.6, 5.4) [5.4, 7.2) [7.2, 9]: the last bin is closed.
            #expect(byKey["x"]?.histogram == [2, 2, 2, 2, 4])
            #expect(byKey["flat"]?.histogram == [3, 0, 0])
            #expect(byKey["one"]?.histogram == [1], "no more bins than elements")
            #expect(try CheckpointStats.compute(dir).tensors.allSatisfy(\.histogram.isEmpty))
        }
    }

    /// The page `Page.write` hands out, as one string.
    func html(_ page: HTMLReport.Page) -> String {
        var bytes: [UInt8] = []
        page.write { bytes += $0 }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func noKeyCanCloseTheDataBlock() throws {
        let html = html(HTMLReport.Page(title: "a</title><script>",
                                        data: .object([("key", .string("x</script><script>alert(1)</script>"))]), arrays: [:]))
        let open = try #require(html.range(of: #"<script type="application/json" id="report-data">"#))
        let close = try #require(html.range(of: "</script>", range: open.upperBound..<html.endIndex))
        let block = String(html[open.upperBound..<close.lowerBound])
        #expect(!block.contains("<"))
        #expect(block.contains(#"x\u003c/script>"#))
        #expect(html.contains("<title>a&lt;/title>&lt;script></title>"))
        #expect(!html.contains("{{"), "every placeholder filled")
    }

    /// Streamed arrays (the rows of 100,000 tensors) are escaped piece by piece
    /// exactly as the whole data would be.
    @Test func streamedRowsAreEscapedLikeTheWholeData() throws {
        let rows = JSONStreamedArray(count: 5000) { i in .array([.string("k<\(i)>/</script>"), .int(Int64(i))]) }
        let streamed = html(HTMLReport.Page(title: "t", data: .object([("rows", .string("\u{0}rows"))]),
                                            arrays: ["\u{0}rows": rows]))
        let whole = JSONValue.object([("rows", .array((0..<5000).map(rows.element)))]).serialized()
        let open = try #require(streamed.range(of: #"<script type="application/json" id="report-data">"#))
        let close = try #require(streamed.range(of: "</script>", range: open.upperBound..<streamed.endIndex))
        #expect(whole.utf8.count > 1 << 17, "several pieces")
        #expect(String(streamed[open.upperBound..<close.lowerBound]) == whole.replacingOccurrences(of: "<", with: "\\u003c"))
    }

    /// The page written to a file is the page rendered, and the rows of a V2
    /// checkpoint (compact statistics) carry the general path's histograms.
    @Test func writtenPageIsTheRenderedPage() throws {
        try withTemporaryDirectory { dir in
            for fixture in ["ckpt/v2_dtypes", "ckpt/tf2_keras", "meta/train_graph.meta", "saved_model"] {
                let out = dir + "/r.html"
                let r = try HTMLReport.write(input: Fixture.path(fixture), output: out, overwrite: true)
                let rendered = try HTMLReport.render(input: Fixture.path(fixture)).html
                #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(rendered.utf8), "\(fixture)")
                #expect(r.htmlBytes == rendered.utf8.count)
            }
        }
    }

    @Test func anExistingOutputIsKept() throws {
        try withTemporaryDirectory { dir in
            try Data(npy([1, .nan], shape: "(2,)")).write(to: URL(fileURLWithPath: dir + "/w.npy"))
            let out = dir + "/out.html"
            try Data("mine".utf8).write(to: URL(fileURLWithPath: out))
            #expect(throws: MetaGraphKitError.self) { try HTMLReport.write(input: dir + "/w.npy", output: out) }
            #expect(try String(contentsOfFile: out, encoding: .utf8) == "mine")
            let r = try HTMLReport.write(input: dir + "/w.npy", output: out, overwrite: true)
            #expect(r.kind == "checkpoint" && r.stats?.tensors.count == 1)
            #expect(HTMLReport.flags(try #require(r.stats?.tensors.first)) == ["NaN"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["out.html", "w.npy"])
        }
    }
}
