import ArgumentParser
import MetaGraphKit

// `tfmeta meta rescope | variables | saver | extract | diff`: whole-graph edits and
// reports on MetaGraphDefs (`.meta` files, binary or text) and SavedModels.

fileprivate func printJSON(_ value: JSONValue) { print(value.serialized(pretty: true)) }

extension MetaCommand {
    /// `tfmeta meta rescope IN OUT (--strip-scope S | --add-scope S) [--clear-devices]
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
        @Option(name: .long, help: "Put every name under this scope.") var addScope: String?
        @Flag(name: .long, help: "Empty every node's device.") var clearDevices = false
        @Flag(name: .long, help: "Remove attrs equal to their OpDef default.") var stripDefaultAttrs = false
        @Flag(name: .long, help: "Keep only the saver the SaverDef names.") var clearExtraneousSavers = false
        @OptionGroup var json: JSONOption

        func validate() throws {
            if stripScope != nil, addScope != nil {
                throw ValidationError("Give --strip-scope or --add-scope, not both.")
            }
            if stripScope == nil, addScope == nil, !clearDevices, !stripDefaultAttrs, !clearExtraneousSavers {
                throw ValidationError("Nothing to do: give --strip-scope or --add-scope (or another edit).")
            }
            for s in [stripScope, addScope].compactMap({ $0 }) where s.allSatisfy({ $0 == "/" }) {
                throw ValidationError("The scope must not be empty.")
            }
        }

        func run() throws {
            let scope: RescopeOptions.Scope? = stripScope.map { .strip($0) } ?? addScope.map { .add($0) }
            let rescoped = try MetaGraph(contentsOf: input).rescoped(
                RescopeOptions(scope: scope, clearDevices: clearDevices, stripDefaultAttrs: stripDefaultAttrs,
                               clearExtraneousSavers: clearExtraneousSavers))
            try rescoped.metaGraph.write(to: output)
            let result = rescoped.report
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
                throw MetaGraphKitError(.corrupt, "\(file): the saver has \(report.problems.count) problem(s)")
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

        func validate() throws {
            if tags.split(separator: ",").isEmpty { throw ValidationError("--tags needs at least one tag.") }
        }

        func run() throws {
            let model = try SavedModelExtraction.read(savedModel)
            let wanted = tags.split(separator: ",").map { String($0).trimmingSpaces }
            let graph = try SavedModelExtraction.metaGraph(model, tags: wanted, file: savedModel)
            try MetaGraph(graph, path: savedModel).write(to: output)
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
