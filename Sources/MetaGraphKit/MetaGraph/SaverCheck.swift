// Checking a SaverDef against its graph: saver.py's Saver._check_saver_def (the
// save tensor and restore op are named) and more (they exist; the version and the
// sharding agree with the save ops present), after BaseSaverBuilder in
// tensorflow/python/training/saver.py.

/// What ``SaverCheck/check(_:saver:)`` found.
public struct SaverCheckReport: Sendable, Hashable, JSONReportable {
    /// One problem: a stable code and a message naming the field or node.
    public struct Problem: Sendable, Hashable {
        /// The kind of a problem, as a stable lowercase identifier (the `code` of the
        /// `--json` report), like ``MetaGraphKitError/Code``.
        public struct Code: Hashable, Sendable, CustomStringConvertible {
            /// The identifier, such as `no-saver` or `version-mismatch`.
            public let rawValue: String
            init(_ rawValue: String) { self.rawValue = rawValue }
            /// The identifier.
            public var description: String { rawValue }

            /// The graph has no SaverDef.
            public static let noSaver = Code("no-saver")
            /// A required name (filename or save tensor, restore op) is empty.
            public static let missingName = Code("missing-name")
            /// A tensor name without `:N`, or an op name with one.
            public static let badName = Code("bad-name")
            /// A named tensor's or op's node is not in the graph.
            public static let notFound = Code("not-found")
            /// The filename tensor is not a string tensor.
            public static let filenameNotString = Code("filename-not-string")
            /// The save ops do not match the saver's version.
            public static let versionMismatch = Code("version-mismatch")
            /// The sharding ops do not match the saver's `sharded`.
            public static let shardingMismatch = Code("sharding-mismatch")
            /// No restore op under the saver's scope.
            public static let noRestoreOp = Code("no-restore-op")
        }

        /// What kind of problem it is.
        public var code: Code
        /// What is wrong, for a user.
        public var message: String
    }

    /// The SaverDef checked, if any.
    public var saver: SaverDef?
    /// The name scope of the saver's ops (`save`, `net/save_1`).
    public var scope: String
    /// How many nodes of each save/restore-related op the saver's scope holds.
    public var ops: [String: Int]
    /// The problems; empty when the saver is usable.
    public var problems: [Problem]

    /// Whether no problem was found.
    public var ok: Bool { problems.isEmpty }

    /// The shape of `tfmeta meta saver --json`: `{"ok": Bool, "saver": saver object
    /// (as in `meta inspect`) or null, "scope": String, "ops": {op: count},
    /// "problems": [{"code": String, "message": String}]}`.
    public var jsonValue: JSONValue {
        .object([
            ("ok", .bool(ok)),
            ("saver", saver?.jsonValue ?? .null),
            ("scope", .string(scope)),
            ("ops", .object(ops.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
            ("problems", .array(problems.map { .object([("code", .string($0.code.rawValue)), ("message", .string($0.message))]) })),
        ])
    }
}

/// Checks a graph's SaverDef.
public enum SaverCheck {
    /// The ops whose presence tells how a saver was built.
    static let relevantOps: Set<String> = [
        "SaveV2", "SaveSlices", "Save", "RestoreV2", "Restore", "RestoreSlice",
        "ShardedFilename", "ShardedFilespec", "MergeV2Checkpoints",
    ]

    /// Checks `saver` (by default the graph's top-level SaverDef) the way
    /// `Saver(saver_def=…)` does (`save_tensor_name` and `restore_op_name` set) and
    /// further: the filename and save tensors and the restore op exist (tensor
    /// names as `op:N`, the restore op as an op name), the filename tensor is a
    /// string, the save ops under the saver's scope match `version` (`SaveV2` for
    /// V2, `SaveSlices` for V1) and `sharded` (`ShardedFilename` plus
    /// `MergeV2Checkpoints` for sharded V2, `ShardedFilespec` for sharded V1;
    /// neither merge nor filespec when not sharded), and a restore op is there.
    ///
    /// - Parameters:
    ///   - metaGraph: A `tensorflow.MetaGraphDef` message.
    ///   - saver: The SaverDef to check instead of the top-level one (for example an
    ///     item of the `savers` collection).
    /// - Returns: The report; problems are data, not errors.
    /// - Throws: ``MetaGraphKitError`` `invalidArgument` for another message type.
    public static func check(_ metaGraph: ProtoMessage, saver: SaverDef? = nil) throws -> SaverCheckReport {
        let graph = try GraphSnapshot(metaGraph)
        guard let saver = saver ?? graph.saver else {
            return SaverCheckReport(saver: nil, scope: "", ops: [:], problems: [
                .init(code: .noSaver, message: "the meta graph has no saver_def")])
        }
        var problems: [SaverCheckReport.Problem] = []
        func problem(_ code: SaverCheckReport.Problem.Code, _ message: String) { problems.append(.init(code: code, message: message)) }

        let fields: [(String, String, Bool)] = [
            ("filename_tensor_name", saver.filenameTensorName, true),
            ("save_tensor_name", saver.saveTensorName, true),
            ("restore_op_name", saver.restoreOpName, false),
        ]
        for (field, name, isTensor) in fields {
            guard !name.isEmpty else {
                problem(.missingName, "saver_def must specify the \(field)"); continue
            }
            let op = NameScope.opName(name)
            if isTensor, op == name {
                problem(.badName, "\(field) '\(name)' is not a tensor name (op:N)")
            } else if !isTensor, name.contains(":") || name.hasPrefix("^") {
                problem(.badName, "\(field) '\(name)' is not an op name")
            }
            if graph.node(op) == nil {
                problem(.notFound, "\(field) '\(name)': the graph has no node '\(op)'")
            }
        }
        if let node = graph.node(NameScope.opName(saver.filenameTensorName)),
           let dtype = node.typeAttr("dtype"), dtype != 7 /* DT_STRING */ {
            problem(.filenameNotString, "filename tensor '\(saver.filenameTensorName)' is not a string tensor")
        }

        let scope = Rescoper.parentScope(NameScope.opName(saver.restoreOpName.isEmpty
            ? saver.saveTensorName : saver.restoreOpName))
        var ops: [String: Int] = [:]
        for node in graph.nodes where relevantOps.contains(node.op)
            && (scope.isEmpty || node.name.hasPrefix(scope + "/")) {
            ops[node.op, default: 0] += 1
        }
        let has = { (op: String) in (ops[op] ?? 0) > 0 }
        switch saver.version {
        case .v2:
            if !has("SaveV2") {
                problem(.versionMismatch, "version V2 but no SaveV2 op under '\(scope)/'"
                    + (has("SaveSlices") ? " (SaveSlices found: a V1 saver)" : ""))
            }
            if saver.sharded, !(has("ShardedFilename") && has("MergeV2Checkpoints")) {
                problem(.shardingMismatch, "sharded V2 saver without ShardedFilename and MergeV2Checkpoints under '\(scope)/'")
            }
            if !saver.sharded, has("MergeV2Checkpoints") {
                problem(.shardingMismatch, "saver is not sharded but '\(scope)/' has MergeV2Checkpoints (a sharded saver)")
            }
        case .v1:
            if !(has("SaveSlices") || has("Save")) {
                problem(.versionMismatch, "version V1 but no SaveSlices op under '\(scope)/'"
                    + (has("SaveV2") ? " (SaveV2 found: a V2 saver)" : ""))
            }
            if saver.sharded, !(has("ShardedFilename") && has("ShardedFilespec")) {
                problem(.shardingMismatch, "sharded V1 saver without ShardedFilename and ShardedFilespec under '\(scope)/'")
            }
            if !saver.sharded, has("ShardedFilespec") {
                problem(.shardingMismatch, "saver is not sharded but '\(scope)/' has ShardedFilespec (a sharded saver)")
            }
        case .legacy, .unknown:
            if !(has("SaveV2") || has("SaveSlices") || has("Save")) {
                problem(.versionMismatch, "no save op under '\(scope)/'")
            }
        }
        if !(has("RestoreV2") || has("Restore") || has("RestoreSlice")) {
            problem(.noRestoreOp, "no RestoreV2 (or Restore/RestoreSlice) op under '\(scope)/'")
        }
        return SaverCheckReport(saver: saver, scope: scope, ops: ops, problems: problems)
    }
}
