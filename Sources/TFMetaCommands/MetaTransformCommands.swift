import ArgumentParser
import MetaGraphKit

// `tfmeta meta rescope | variables | saver | extract | diff`: whole-graph edits and
// reports on MetaGraphDefs (`.meta` files, binary or text) and SavedModels.

/// Reads a `.meta` in binary or text (told apart by the content); a SavedModel is refused.
fileprivate func loadMetaGraph(_ path: String) throws -> ProtoMessage {
    try MetaGraph(contentsOf: path).message
}

/// Writes a MetaGraphDef in the encoding OUT's extension implies (binary, text, JSON).
/// `source` (the file read) is never written over; an existing `path` only with `overwrite`.
fileprivate func writeMetaGraph(_ message: ProtoMessage, to path: String, source: String, overwrite: Bool) throws {
    try MetaGraph(message, path: source).write(to: path, overwrite: overwrite)
}

fileprivate func printJSON(_ value: JSONValue) { print(value.serialized(pretty: true)) }

extension MetaCommand {
    /// `tfmeta meta rescope IN OUT (--strip-scope S | --add-scope S | --strip-scope A --add-scope B
    /// | --rules FILE… [--saver-keys]) [--clear-devices]
    /// [--strip-default-attrs] [--clear-extraneous-savers] [--json]`.
    ///
    /// Writes OUT atomically, in the encoding its extension implies (binary unless
    /// `.pbtxt`/`.txt`/`.json`). `--json` prints the summary
    /// ``RescopeResult/jsonValue``: `{"nodes": Int, "removed_nodes": [String],
    /// "unbound_inputs": [String], "dropped_collection_items": {String: Int},
    /// "dropped_signatures": [String], "dropped_saver": Bool, "stripped_attrs": Int,
    /// "cleared_devices": Int}`.
    struct Rescope: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rescope",
            abstract: "Strip or add a name scope, clear devices, strip default attrs, drop extra savers.",
            discussion: """
                TensorFlow's export_meta_graph(export_scope=, clear_devices=, strip_default_attrs=, \
                clear_extraneous_savers=) and import_meta_graph(import_scope=) on a file. Stripping keeps \
                only the nodes under SCOPE/ and removes SCOPE/ from every name (nodes, inputs, colocation, \
                collections, the SaverDef, signatures); inputs from removed nodes become \
                $unbound_inputs_<name> and are listed in the unbound_inputs collection. Unlike TensorFlow, \
                the top-level SaverDef is stripped too, 'net' does not match 'network/', and plain-string \
                collection items that are not node names are kept.
                """)

        @Argument(help: "The .meta to read (binary or text).") var input: String
        @Argument(help: "The .meta to write: binary, or text for .pbtxt/.txt, JSON for .json.") var output: String
        @Option(name: .long, help: "Keep only nodes under this scope and remove it from names.") var stripScope: String?
        @Option(name: .long, help: "Put every name under this scope (with --strip-scope: rename that scope to this one).") var addScope: String?
        @Option(name: .long, help: ArgumentHelp("Rename nodes by the rename/map/slots steps of a rules file (repeatable).", valueName: "file.json"))
        var rules: [String] = []
        @Option(name: .long, help: ArgumentHelp("Rename nodes by a preset's steps (repeatable).", valueName: "name"))
        var preset: [String] = []
        @Flag(name: .long, help: "With --rules/--preset: rename the keys in the saver's tensor_names constants too (for a checkpoint renamed by the same rules).")
        var saverKeys = false
        @Flag(name: .long, help: "Empty every node's device.") var clearDevices = false
        @Flag(name: .long, help: "Remove attrs equal to their OpDef default.") var stripDefaultAttrs = false
        @Flag(name: .long, help: "Keep only the saver the SaverDef names.") var clearExtraneousSavers = false
        @OptionGroup var writing: OverwriteOption
        @OptionGroup var json: JSONOption

        func validate() throws {
            let byRules = !rules.isEmpty || !preset.isEmpty
            if byRules, stripScope != nil || addScope != nil || clearDevices || stripDefaultAttrs || clearExtraneousSavers {
                throw ValidationError("--rules/--preset rename nodes on their own; give the scope edits in another run.")
            }
            if saverKeys, !byRules { throw ValidationError("--saver-keys goes with --rules or --preset.") }
            if stripScope == nil, addScope == nil, !clearDevices, !stripDefaultAttrs, !clearExtraneousSavers, !byRules {
                throw ValidationError("Nothing to do: give --strip-scope or --add-scope (or another edit).")
            }
            for s in [stripScope, addScope].compactMap({ $0 }) where s.allSatisfy({ $0 == "/" }) {
                throw ValidationError("The scope must not be empty.")
            }
        }

        func run() throws {
            // Refused before the (possibly long) transform when the output exists.
            try OutputDestination.check(output, overwrite: writing.overwrite, sources: [input])
            if !rules.isEmpty || !preset.isEmpty { return try runRules() }
            let scope: RescopeOptions.Scope?
            if let stripScope, let addScope {
                scope = .rename(from: stripScope, to: addScope)
            } else {
                scope = stripScope.map { .strip($0) } ?? addScope.map { .add($0) }
            }
            let result = try MetaGraphTransform.rescope(
                loadMetaGraph(input),
                options: RescopeOptions(scope: scope, clearDevices: clearDevices,
                                        stripDefaultAttrs: stripDefaultAttrs,
                                        clearExtraneousSavers: clearExtraneousSavers),
                file: input)
            try writeMetaGraph(result.metaGraph, to: output, source: input, overwrite: writing.overwrite)
            if json.json {
                printJSON(result.jsonValue)
            } else {
                var line = "wrote \(output): removed \(result.removedNodes.count) nodes"
                if !result.unboundInputs.isEmpty {
                    line += "; unbound inputs (import with input_map): " + result.unboundInputs.joined(separator: ", ")
                }
                if result.droppedSaver { line += "; saver dropped (its ops were removed)" }
                if !result.droppedSignatures.isEmpty {
                    line += "; signatures dropped: " + result.droppedSignatures.joined(separator: ", ")
                }
                print(line)
            }
        }

        /// `--rules`/`--preset`: nodes (and with --saver-keys the saver's keys) renamed by the steps.
        /// JSON: `{"renamed_nodes": [{"from", "to"}], "renamed_keys": [{"from", "to"}]}`.
        func runRules() throws {
            var set = RuleSet()
            for file in rules { set.append(contentsOf: try RuleSet.read(file)) }
            for name in preset { set.append(contentsOf: try RulePresets.ruleSet(name)) }
            let result = try MetaGraphTransform.renameNodes(loadMetaGraph(input), nodeName: set.renameNode,
                                                            saverKey: { saverKeys ? set.renameNode($0) : $0 }, file: input)
            try writeMetaGraph(result.metaGraph, to: output, source: input, overwrite: writing.overwrite)
            func pairs(_ p: [(from: String, to: String)]) -> JSONValue {
                .array(p.map { .object([("from", .string($0.from)), ("to", .string($0.to))]) })
            }
            if json.json {
                printJSON(.object([("renamed_nodes", pairs(result.renamedNodes)), ("renamed_keys", pairs(result.renamedKeys))]))
            } else {
                print("wrote \(output): renamed \(result.renamedNodes.count) nodes, \(result.renamedKeys.count) saver keys")
            }
        }
    }

    /// `tfmeta meta variables FILE [--json]`.
    ///
    /// `--json` prints `{"variables": [variable]}` with each variable as
    /// ``VariableInfo/jsonValue``: `{"name", "op_name", "op", "dtype", "shape" ([Int] or
    /// null), "trainable", "is_resource", "initializer_name", "snapshot_name",
    /// "initial_value_name", "collections" ([String]), "partition" (null or
    /// {"full_name", "full_shape", "var_offset", "var_shape"})}`.
    struct Variables: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "variables",
            abstract: "List the graph's variables: dtype, shape, trainable, initializer, partition.")

        @Argument(help: "The .meta to read (binary or text).") var file: String
        @OptionGroup var json: JSONOption

        func run() throws {
            let variables = try MetaGraph(contentsOf: file).variables()
            if json.json {
                printJSON(.object([("variables", .array(variables.map(\.jsonValue)))]))
                return
            }
            for v in variables {
                let shape = v.shape.map { "[" + $0.map(String.init).joined(separator: ",") + "]" } ?? "?"
                var line = "\(v.name)  \(v.dtype.isEmpty ? "?" : v.dtype)\(shape)  \(v.op.isEmpty ? "(no op)" : v.op)"
                line += v.trainable ? "  trainable" : ""
                line += "  init=\(v.initializerName) snapshot=\(v.snapshotName)"
                if let p = v.partition {
                    line += "  part of \(p.fullName)[\(p.fullShape.map(String.init).joined(separator: ","))]"
                        + " at [\(p.varOffset.map(String.init).joined(separator: ","))]"
                }
                print(line)
            }
            if variables.isEmpty { print("no variables") }
        }
    }

    /// `tfmeta meta saver FILE [--json]`; exits 1 when a problem is found.
    ///
    /// `--json` prints ``SaverCheckReport/jsonValue``: `{"ok": Bool, "saver": saver
    /// object or null, "scope": String, "ops": {String: Int}, "problems": [{"code":
    /// String, "message": String}]}`.
    struct Saver: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "saver",
            abstract: "Check the SaverDef against the graph (names, version, sharding); exit 1 on problems.")

        @Argument(help: "The .meta to read (binary or text).") var file: String
        @OptionGroup var json: JSONOption

        func run() throws {
            let report = try MetaGraph(contentsOf: file).checkSaver()
            if json.json {
                printJSON(report.jsonValue)
            } else {
                if let s = report.saver {
                    print("filename tensor: \(s.filenameTensorName)")
                    print("save tensor:     \(s.saveTensorName)")
                    print("restore op:      \(s.restoreOpName)")
                    print("version: \(s.version)  sharded: \(s.sharded)  max_to_keep: \(s.maxToKeep)  "
                        + "keep every \(JSONValue.float(s.keepCheckpointEveryNHours).serialized()) h")
                    print("ops under \(report.scope)/: " + report.ops.sorted { $0.key < $1.key }
                        .map { "\($0.key)×\($0.value)" }.joined(separator: " "))
                }
                for p in report.problems { print("problem [\(p.code)]: \(p.message)") }
                if report.ok { print("OK") }
            }
            if !report.ok {
                throw MetaGraphKitError.corrupt(file, "the saver has \(report.problems.count) problem(s)")
            }
        }
    }

    /// `tfmeta meta extract SAVED_MODEL --tags T1,T2 OUT.meta`.
    ///
    /// Writes the meta graph whose tag set equals the given one, atomically, in the
    /// encoding OUT's extension implies (binary unless `.pbtxt`/`.txt`/`.json`); with no match, fails listing the tag sets present.
    struct Extract: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "extract",
            abstract: "Write one meta graph of a SavedModel, chosen by its tag set, as a .meta file.")

        @Argument(help: "saved_model.pb or the SavedModel directory.") var savedModel: String
        @Option(name: .long, help: "The meta graph's tags, comma-separated (serve or serve,gpu).") var tags: String
        @Argument(help: "The .meta to write: binary, or text for .pbtxt/.txt, JSON for .json.") var output: String
        @OptionGroup var writing: OverwriteOption

        func validate() throws {
            if tags.split(separator: ",").isEmpty { throw ValidationError("--tags needs at least one tag.") }
        }

        func run() throws {
            try OutputDestination.check(output, overwrite: writing.overwrite, sources: [savedModel])
            let model = try SavedModel(contentsOf: savedModel)
            let wanted = tags.split(separator: ",").map { String($0).trimmingSpaces }
            try model.metaGraph(tags: wanted).write(to: output, overwrite: writing.overwrite)
            print("wrote \(output): meta graph with tags {\(Set(wanted).sorted().joined(separator: ","))}")
        }
    }

    /// `tfmeta meta diff A B [--json]`.
    ///
    /// `--json` prints ``MetaGraphDiff/jsonValue``: `{"identical": Bool, "nodes":
    /// {"added", "removed", "changed": [{"name", "op", "inputs", "device", "attrs":
    /// {"added", "removed", "changed"}}]}, "collections": {"added", "removed",
    /// "changed": [{"name", "kind": {"a", "b"}, "count": {"a", "b"}}]}, "saver": null
    /// or {"a", "b"}, "signatures": {"added", "removed", "changed"}}`; changed
    /// scalars are `{"a": …, "b": …}` or null when equal. Exits 0 whether or not the
    /// graphs differ.
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "Compare two meta graphs: nodes, collections, saver, signatures.")

        @Argument(help: "The first .meta (binary or text).") var a: String
        @Argument(help: "The second .meta (binary or text).") var b: String
        @OptionGroup var json: JSONOption

        func run() throws {
            let old = try MetaGraph(contentsOf: a)
            let diff = try MetaGraph(contentsOf: b).difference(from: old)
            if json.json { printJSON(diff.jsonValue) } else { print(diff.text) }
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
