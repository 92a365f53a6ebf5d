import Foundation
import Testing
@testable import MetaGraphKit

@Suite("Checkpoint file names")
struct CheckpointFilesTests {
    // FORMATS §4.4 examples, plus the edges of the regex -[\d?]+-of-\d+$.
    @Test(arguments: [
        ("model.ckpt-3-?????-of-00003", "model.ckpt-3.meta"),
        ("model.ckpt-3-00001-of-00003", "model.ckpt-3.meta"),
        ("model.ckpt-3", "model.ckpt-3.meta"),
        ("/abs/dir/model.ckpt-3-?????-of-00003", "/abs/dir/model.ckpt-3.meta"),
        ("ckpt-of-3", "ckpt-of-3.meta"),
        ("ckpt--of-3", "ckpt--of-3.meta"),
        ("ckpt-1-of-", "ckpt-1-of-.meta"),
        ("ckpt-1-of-2x", "ckpt-1-of-2x.meta"),
        ("a-1-of-2-3-of-4", "a-1-of-2.meta"),
    ])
    func metaGraphFilename(input: String, expected: String) {
        #expect(CheckpointFiles.metaGraphFilename(for: input) == expected)
    }

    @Test func metaGraphSuffixIsConfigurable() {
        #expect(CheckpointFiles.metaGraphFilename(for: "m-1", suffix: "pbtxt") == "m-1.pbtxt")
    }

    @Test(arguments: [
        ("ckpt-1.data-00000-of-00001", "ckpt-1.data-?????-of-?????", true),
        ("ckpt-1.data-0000-of-00001", "ckpt-1.data-?????-of-?????", false),
        ("m-3-00002-of-00003", "m-3-?????-of-00003", true),
        ("m-3-00002-of-00004", "m-3-?????-of-00003", false),
        ("anything", "*", true),
        ("abc", "a*c", true),
        ("ac", "a*c", true),
        ("ab", "a*c", false),
        ("a[1]", "a[1]", true),
        ("", "?", false),
    ])
    func glob(name: String, pattern: String, expected: Bool) {
        #expect(FileGlob.matches(name, pattern: pattern) == expected)
    }

    @Test func removalSetsV2AndV1() throws {
        try withTemporaryDirectory { (dir: String) throws in
            StateFixture.touch(dir, "v2-1.index", "v2-1.data-00000-of-00002", "v2-1.data-00001-of-00002",
                               "v2-1.meta", "v2-10.index", "v1-3-00000-of-00002", "v1-3-00001-of-00002",
                               "v1-3.meta", "v1-4")
            let v2 = CheckpointFiles.files(of: dir + "/v2-1").map(PathRules.basename)
            #expect(v2 == ["v2-1.meta", "v2-1.index", "v2-1.data-00000-of-00002", "v2-1.data-00001-of-00002"])
            #expect(CheckpointFiles.files(of: dir + "/v2-1", includeMetaGraph: false).count == 3)
            let v1 = CheckpointFiles.files(of: dir + "/v1-3-?????-of-00002").map(PathRules.basename)
            #expect(v1 == ["v1-3.meta", "v1-3-00000-of-00002", "v1-3-00001-of-00002"])
            #expect(CheckpointFiles.files(of: dir + "/v1-4").map(PathRules.basename) == ["v1-4"])
            #expect(CheckpointFiles.files(of: dir + "/none").isEmpty)
        }
    }

    @Test func formatDetectionPrefersV2() throws {
        try withTemporaryDirectory { (dir: String) throws in
            StateFixture.touch(dir, "both", "both.index", "v1", "s-00000-of-00002")
            #expect(CheckpointFormat.detect(prefix: dir + "/both") == .v2)
            #expect(CheckpointFormat.detect(prefix: dir + "/v1") == .v1)
            #expect(CheckpointFormat.detect(prefix: dir + "/s-?????-of-00002") == .v1)
            #expect(CheckpointFormat.detect(prefix: dir + "/s-?????-of-00003") == nil)
            #expect(CheckpointFormat.detect(prefix: dir + "/none") == nil)
        }
    }

    @Test func pathRulesFollowPosixpath() {
        #expect(PathRules.join("d", "x") == "d/x")
        #expect(PathRules.join("d/", "x") == "d/x")
        #expect(PathRules.join("d", "/abs/x") == "/abs/x")
        #expect(PathRules.normalize("/a/./b/../c//d/") == "/a/c/d")
        #expect(PathRules.normalize("../a/..") == "..")
        #expect(PathRules.relative("/a/b/c", to: "/a/d") == "../b/c")
        #expect(PathRules.relative("reldir/model-5", to: "reldir") == "model-5")
        #expect(PathRules.basename("/a/b") == "b")
        #expect(PathRules.dirname("/a/b") == "/a")
        #expect(PathRules.dirname("/b") == "/")
        #expect(PathRules.dirname("b") == "")
    }
}
