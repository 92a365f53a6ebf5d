// The parts of a V1 saver that a V2 checkpoint needs changed beyond the save op:
// restores that read V1 only (RestoreSlice/Restore, TF ≤ 0.12) and the sharded save
// path (ShardedFilename per device → ShardedFilespec). The result has the node
// structure of TF 2.21's own `tf.compat.v1.train.Saver(sharded=True)` graph
// (saver.py BaseSaverBuilder._AddShardedSaveOpsForV2, bulk_restore):
//
//   S/StaticRegexFullMatch(S/Const) "^s3://.*"      (device /device:CPU:*)
//   S/Const_1 ".part", S/Const_2 "_temp/part"
//   S/Select(match, Const_1, Const_2) → S/StringJoin(S/Const, Select)
//   S/ShardedFilename(S/StringJoin, shard, num_shards)         per device
//   S/SaveV2(ShardedFilename, names, slices, tensors…)         per device
//   S/control_dependency = Identity(ShardedFilename, ^SaveV2)  per device
//   S/MergeV2Checkpoints/checkpoint_prefixes = Pack(ShardedFilename…, ^control_dependency…)
//   S/MergeV2Checkpoints(prefixes, S/Const) delete_old_dirs
//   S/Identity(S/Const, ^MergeV2Checkpoints, ^control_dependency…)   ← save tensor
//   S/RestoreV2(S/Const, names, slices) dtypes=[…]              per device
internal import CProtobufC
internal import CTFProtos

extension SaverGraphRewrite {
    // MARK: Restore: RestoreSlice / Restore → RestoreV2 per device

    struct RestoreMember {
        var node: String
        var constants: [String]
        var tensorName: [UInt8]
        var slice: [UInt8]
        var dtype: UInt32
    }

    struct RestoreGroup {
        var device: String
        var pattern: String
        var members: [RestoreMember]
    }

    /// The V1-only restore ops under `scope/`, grouped by (device, file pattern), or
    /// why they cannot be rewritten. No change is made.
    static func planRestore(_ editor: SaverGraphEditor, scope: String) -> Result<[RestoreGroup], RewriteRefusal> {
        var groups: [RestoreGroup] = []
        for node in editor.nodes {
            let op = SaverGraphEditor.op(node)
            let name = SaverGraphEditor.name(node)
            guard op == "RestoreSlice" || op == "Restore", name.hasPrefix(scope + "/") else { continue }
            let inputs = SaverGraphEditor.inputs(node)
            let expected = op == "RestoreSlice" ? 3 : 2
            guard inputs.count == expected else {
                return .failure(.init("\(name) (\(op)) has \(inputs.count) inputs (control inputs included), expected \(expected)"))
            }
            guard let nameNode = editor.node(SaverGraphEditor.producer(inputs[1])),
                  let tensorName = SaverGraphEditor.stringConstant(nameNode) else {
                return .failure(.init("the tensor name of \(name) is not a string constant"))
            }
            var constants = [SaverGraphEditor.name(nameNode)]
            var slice: [UInt8] = []
            if op == "RestoreSlice" {
                guard let sliceNode = editor.node(SaverGraphEditor.producer(inputs[2])),
                      let s = SaverGraphEditor.stringConstant(sliceNode) else {
                    return .failure(.init("the slice spec of \(name) is not a string constant"))
                }
                slice = s
                constants.append(SaverGraphEditor.name(sliceNode))
            }
            guard let dtype = SaverGraphEditor.typeAttr(node, "dt") else {
                return .failure(.init("\(name) has no dt attr"))
            }
            let member = RestoreMember(node: name, constants: constants, tensorName: tensorName, slice: slice, dtype: dtype)
            let device = SaverGraphEditor.device(node)
            if let i = groups.firstIndex(where: { $0.device == device && $0.pattern == inputs[0] }) {
                groups[i].members.append(member)
            } else {
                groups.append(RestoreGroup(device: device, pattern: inputs[0], members: [member]))
            }
        }
        return .success(groups)
    }

    /// Replaces each group by one `RestoreV2` whose outputs feed the old consumers.
    /// Returns the new RestoreV2 node names.
    static func applyRestore(_ editor: SaverGraphEditor, _ groups: [RestoreGroup], scope: String) throws -> [String] {
        var made: [String] = []
        for group in groups {
            let op = editor.uniqueName(scope + "/RestoreV2")
            let names = editor.uniqueName(op + "/tensor_names")
            let slices = editor.uniqueName(op + "/shape_and_slices")
            let anchor = group.members[0].constants[0]
            try editor.insert(Proto.stringConst(names, group.members.map(\.tensorName), vector: true, device: group.device), before: anchor)
            try editor.insert(Proto.stringConst(slices, group.members.map(\.slice), vector: true, device: group.device), before: anchor)
            try editor.insert(NewNode(name: op, op: "RestoreV2", inputs: [group.pattern, names, slices], device: group.device,
                                      attrs: [("dtypes", Proto.attrTypeList(group.members.map { UInt64($0.dtype) }))]),
                              before: anchor)
            var output: [String: Int] = [:]
            for (i, m) in group.members.enumerated() { output[m.node] = i }
            editor.rewireInputs { input in
                let producer = SaverGraphEditor.producer(input)
                guard let i = output[producer] else { return nil }
                if input.hasPrefix("^") { return "^" + op }
                return i == 0 ? op : "\(op):\(i)"
            }
            for m in group.members { editor.remove(m.node) }
            made.append(op)
        }
        // The old name and slice constants go when nothing else reads them (one
        // pass over the graph, however many variables).
        let referenced = editor.referencedNames()
        for m in groups.flatMap(\.members) {
            for c in m.constants where !referenced.contains(c) { editor.remove(c) }
        }
        return made
    }

    // MARK: Save: sharded SaveSlices → TF 2.21's sharded V2 save path

    struct ShardedSavePlan {
        var filename: String
        var filespec: String
        var controlDependencies: [String]
        /// (SaveSlices node, the ShardedFilename node it writes to), in graph order.
        var shards: [(save: String, shardedFilename: String)]
    }

    static func planShardedSave(_ editor: SaverGraphEditor, filenameTensor: String, saveTensor: String,
                                scope: String) -> Result<ShardedSavePlan, RewriteRefusal> {
        let filename = SaverGraphEditor.producer(filenameTensor)
        let filespecName = SaverGraphEditor.producer(saveTensor)
        guard let filespec = editor.node(filespecName), SaverGraphEditor.op(filespec) == "ShardedFilespec" else {
            return .failure(.init("its save tensor \(saveTensor) is not a ShardedFilespec"))
        }
        let specInputs = SaverGraphEditor.inputs(filespec)
        guard let first = specInputs.first, SaverGraphEditor.producer(first) == filename else {
            return .failure(.init("\(filespecName) does not read the filename tensor \(filenameTensor)"))
        }
        var shards: [(save: String, shardedFilename: String)] = []
        for node in editor.nodes where SaverGraphEditor.op(node) == "SaveSlices" && SaverGraphEditor.name(node).hasPrefix(scope + "/") {
            let save = SaverGraphEditor.name(node)
            guard let target = SaverGraphEditor.inputs(node).first,
                  let sharded = editor.node(SaverGraphEditor.producer(target)),
                  SaverGraphEditor.op(sharded) == "ShardedFilename",
                  let base = SaverGraphEditor.inputs(sharded).first, SaverGraphEditor.producer(base) == filename else {
                return .failure(.init("\(save) does not write to a ShardedFilename of \(filenameTensor)"))
            }
            shards.append((save, SaverGraphEditor.name(sharded)))
        }
        guard !shards.isEmpty else { return .failure(.init("no SaveSlices node under \(scope)/")) }
        return .success(ShardedSavePlan(filename: filename, filespec: filespecName,
                                        controlDependencies: specInputs.filter { $0.hasPrefix("^") }, shards: shards))
    }

    /// Rewrites the sharded save path; returns the new save tensor's name.
    static func applyShardedSave(_ editor: SaverGraphEditor, _ plan: ShardedSavePlan, scope: String) throws -> String {
        let cpu = "/device:CPU:*"
        let match = editor.uniqueName(scope + "/StaticRegexFullMatch")
        let s3 = editor.uniqueName(scope + "/Const")
        let local = editor.uniqueName(scope + "/Const")
        let select = editor.uniqueName(scope + "/Select")
        let join = editor.uniqueName(scope + "/StringJoin")
        let firstSharded = editor.nodes.map(SaverGraphEditor.name).first { name in plan.shards.contains { $0.shardedFilename == name } }!
        try editor.insert(NewNode(name: match, op: "StaticRegexFullMatch", inputs: [plan.filename], device: cpu,
                                  attrs: [("pattern", Proto.attrString("^s3://.*"))]), before: firstSharded)
        try editor.insert(Proto.stringConst(s3, [Array(".part".utf8)], vector: false, device: cpu), before: firstSharded)
        try editor.insert(Proto.stringConst(local, [Array("_temp/part".utf8)], vector: false, device: cpu), before: firstSharded)
        try editor.insert(NewNode(name: select, op: "Select", inputs: [match, s3, local], device: cpu,
                                  attrs: [("T", Proto.attrType(Proto.dtString))]), before: firstSharded)
        try editor.insert(NewNode(name: join, op: "StringJoin", inputs: [plan.filename, select], device: cpu,
                                  attrs: [("N", Proto.attrInt(2)), ("separator", Proto.attrString(""))]), before: firstSharded)
        var lastDevice = ""
        for shard in plan.shards {
            let sharded = editor.node(shard.shardedFilename)!
            var first = true
            editor.rewireInputs(of: sharded) { input in
                defer { first = false }
                return first ? join : nil
            }
            let save = editor.node(shard.save)!
            convertSaveSlices(save)
            lastDevice = SaverGraphEditor.device(save)
        }
        let merge = editor.uniqueName(scope + "/MergeV2Checkpoints")
        let prefixes = editor.uniqueName(merge + "/checkpoint_prefixes")
        let identity = editor.uniqueName(scope + "/Identity")
        try editor.insert(NewNode(name: prefixes, op: "Pack", inputs: plan.shards.map(\.shardedFilename) + plan.controlDependencies,
                                  device: lastDevice,
                                  attrs: [("T", Proto.attrType(Proto.dtString)), ("N", Proto.attrInt(UInt64(plan.shards.count))),
                                          ("axis", Proto.attrInt(0))]), before: plan.filespec)
        try editor.insert(NewNode(name: merge, op: "MergeV2Checkpoints", inputs: [prefixes, plan.filename], device: lastDevice,
                                  attrs: [("delete_old_dirs", Proto.attrBool(true)), ("allow_missing_files", Proto.attrBool(false))]),
                          before: plan.filespec)
        try editor.insert(NewNode(name: identity, op: "Identity", inputs: [plan.filename, "^" + merge] + plan.controlDependencies,
                                  device: lastDevice, attrs: [("T", Proto.attrType(Proto.dtString))]), before: plan.filespec)
        if editor.consumers(of: plan.filespec).isEmpty { editor.remove(plan.filespec) }
        return identity + ":0"
    }

    // MARK: OpDefs

    /// OpDefs as TF 2.21 puts them into `stripped_op_list` (no docs), taken from the
    /// stripped op list of `export_meta_graph` of a `Saver(sharded=True)` graph.
    static let v2SaverOpDefs: [String: [UInt8]] = [
        "Identity": "0a084964656e74697479120a0a05696e7075742201541a0b0a066f757470757422015422090a0154120474797065",
        "MergeV2Checkpoints": "0a124d657267655632436865636b706f696e747312170a13636865636b706f696e745f7072656669786573180712160a1264657374696e6174696f6e5f7072656669781807221b0a0f64656c6574655f6f6c645f646972731204626f6f6c1a022801221f0a13616c6c6f775f6d697373696e675f66696c65731204626f6f6c1a022800880101",
        "Pack": "0a045061636b120e0a0676616c7565732201542a014e1a0b0a066f7574707574220154220c0a014e1203696e742801300122090a0154120474797065220f0a04617869731203696e741a021800",
        "RestoreV2": "0a09526573746f72655632120a0a06707265666978180712100a0c74656e736f725f6e616d6573180712140a1073686170655f616e645f736c6963657318071a110a0774656e736f7273320664747970657322180a06647479706573120a6c69737428747970652928013001880101",
        "Select": "0a0653656c656374120d0a09636f6e646974696f6e180a12060a017422015412060a01652201541a0b0a066f757470757422015422090a0154120474797065",
        "StaticRegexFullMatch": "0a14537461746963526567657846756c6c4d6174636812090a05696e70757418071a0a0a066f7574707574180a22110a077061747465726e1206737472696e67",
        "StringJoin": "0a0a537472696e674a6f696e120d0a06696e7075747318072a014e1a0a0a066f75747075741807220a0a014e1203696e74280122170a09736570617261746f721206737472696e671a021200",
    ].mapValues { hex in
        stride(from: 0, to: hex.count, by: 2).map { i in
            let s = hex.index(hex.startIndex, offsetBy: i)
            return UInt8(hex[s...hex.index(after: s)], radix: 16)!
        }
    }
}

/// Why a saver could not be rewritten (a sentence for the migration report).
struct RewriteRefusal: Error, Equatable {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
