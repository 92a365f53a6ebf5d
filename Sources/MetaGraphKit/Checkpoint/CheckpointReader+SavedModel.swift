// A SavedModel directory names its variables checkpoint (`variables/variables`),
// so that every command and binding that takes a checkpoint takes a SavedModel too.

extension CheckpointReader {
    /// The variables prefix of a SavedModel directory (`DIR/variables/variables`),
    /// or nil when `directory` has no `saved_model.pb`/`.pbtxt` or no variables
    /// index. A directory with a `checkpoint` state file is read as a training
    /// directory instead.
    static func savedModelVariables(_ directory: String) -> String? {
        let dir = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        guard !exists(dir + "/checkpoint"),
              exists(dir + "/saved_model.pb") || exists(dir + "/saved_model.pbtxt") else { return nil }
        let prefix = dir + "/variables/variables"
        return exists(prefix + ".index") ? prefix : nil
    }
}
