import Foundation
import Testing
@testable import MetaGraphKit

/// Times printing and parsing a large `.meta` when `MGK_TEXTFORMAT_BENCH` names a
/// binary MetaGraphDef (the text is expected next to it as `<file>.txt`).
@Suite("Text format benchmark")
struct TextFormatBenchmark {
    @Test func printAndParse() throws {
        guard let path = ProcessInfo.processInfo.environment["MGK_TEXTFORMAT_BENCH"] else { return }
        let binary = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let text = try String(contentsOfFile: path + ".txt", encoding: .utf8)
        let clock = ContinuousClock()
        let m = try ProtoMessage(binary: binary, as: .metaGraphDef)
        var printed = ""
        let printTime = clock.measure { printed = m.textFormat() }
        var parsed: ProtoMessage?
        let parseTime = try clock.measure { parsed = try ProtoMessage(text: text, as: .metaGraphDef) }
        var json = ""
        let jsonTime = clock.measure { json = m.json() }
        print("print \(printTime) parse \(parseTime) json \(jsonTime) (\(json.utf8.count) bytes)")
        #expect(printed == text)
        #expect(parsed?.binary() == binary)
    }
}
