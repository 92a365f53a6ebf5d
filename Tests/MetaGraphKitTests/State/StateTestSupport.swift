import Foundation
@testable import MetaGraphKit

/// Small file helpers for the State tests.
enum StateFixture {
    static func touch(_ dir: String, _ names: String...) {
        for name in names {
            _ = FileManager.default.createFile(atPath: PathRules.join(dir, name), contents: Data("x".utf8))
        }
    }

    static func writeState(_ dir: String, _ text: String, name: String = "checkpoint") {
        _ = FileManager.default.createFile(atPath: PathRules.join(dir, name), contents: Data(text.utf8))
    }

    static func files(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }

    /// The state TF 2.21's CheckpointManager wrote (FORMATS §4.1).
    static let managerText = """
        model_checkpoint_path: "ckpt-2"
        all_model_checkpoint_paths: "ckpt-1"
        all_model_checkpoint_paths: "ckpt-2"
        all_model_checkpoint_timestamps: 1795555379.5780394
        all_model_checkpoint_timestamps: 1795555379.5925772
        last_preserved_timestamp: 1795555378.5200078

        """
}
