// `meta from-ckpt`'s MetaGraphDef encoded straight from its plan and streamed:
// the nodes of one variable at a time into a reused buffer, never the whole graph.
// The bytes are what protobuf-c packs for the message (fields in number order,
// map entries by key, proto3 defaults left out, oneof members and message
// fields written when set, even empty, packed repeated scalars), and the text is
// what our printer prints for it (each batch of nodes is printed by
// ``TextFormatPrinter`` itself).

/// Protobuf wire bytes appended to a byte array; a nested message gets a
/// one-byte length placeholder that is widened when the message turns out longer.
struct WireBuffer {
    var bytes: [UInt8] = []

    var count: Int { bytes.count }

    mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    @inline(__always) mutating func varint(_ value: UInt64) { Varint.append(value, to: &bytes) }

    /// A varint field (tags here are below 16: one byte).
    @inline(__always) mutating func varint(_ field: UInt8, _ value: UInt64) {
        bytes.append(field << 3)
        varint(value)
    }

    /// Starts a length-delimited field; ``end(_:)`` with the result closes it.
    @inline(__always) mutating func begin(_ field: UInt8) -> Int {
        bytes.append(field << 3 | 2)
        bytes.append(0)
        return bytes.count
    }

    /// Closes a field ``begin(_:)`` opened: writes its length, widening the
    /// placeholder when it needs more than one byte.
    @inline(__always) mutating func end(_ start: Int) {
        let n = bytes.count - start
        if n < 0x80 { bytes[start - 1] = UInt8(n); return }
        let size = Varint.encodedSize(of: UInt64(n))
        bytes.insert(contentsOf: repeatElement(0, count: size - 1), at: start)
        var v = UInt64(n), i = start - 1
        while v >= 0x80 { bytes[i] = UInt8(v & 0x7f) | 0x80; v >>= 7; i += 1 }
        bytes[i] = UInt8(v)
    }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ part: ArraySlice<UInt8>) { bytes.append(contentsOf: part) }

    mutating func appendDecimal(_ value: Int) { bytes.append(contentsOf: String(value).utf8) }

    /// A string or bytes field holding `text`.
    mutating func string(_ field: UInt8, _ text: StaticString) {
        let s = begin(field); append(text); end(s)
    }

    /// A string field holding `name` followed by `suffix`.
    mutating func string(_ field: UInt8, _ name: ArraySlice<UInt8>, _ suffix: StaticString = "") {
        let s = begin(field); append(name); append(suffix); end(s)
    }
}

/// The size of a length-delimited field of `n` bytes with a one-byte tag.
@inline(__always) private func fieldSize(_ n: Int) -> Int { 1 + Varint.encodedSize(of: UInt64(n)) + n }

/// Encodes the graph `meta from-ckpt` writes for a plan.
struct FromCheckpointEncoder {
    let plan: FromCheckpointPlan
    let kind: MetaGraphFromCheckpoint.VariableKind
    /// About how many bytes of nodes are gathered before they are handed on.
    var chunkSize = 1 << 18

    private static let dtString: UInt64 = 7
    private static let producer: UInt64 = 2474

    // MARK: - Nodes

    /// A `node` field of GraphDef: name, op, inputs; then `attrs` adds the attr entries.
    @inline(__always)
    private func node(_ b: inout WireBuffer, _ name: (inout WireBuffer) -> Void, _ op: StaticString,
                      inputs: (inout WireBuffer) -> Void = { _ in }, attrs: (inout WireBuffer) -> Void) {
        let n = b.begin(1)
        let f = b.begin(1); name(&b); b.end(f)
        b.string(2, op)
        inputs(&b)
        attrs(&b)
        b.end(n)
    }

    /// An `attr` map entry whose AttrValue body `value` writes.
    @inline(__always)
    private func attr(_ b: inout WireBuffer, _ key: StaticString, _ value: (inout WireBuffer) -> Void) {
        let e = b.begin(5)
        b.string(1, key)
        let v = b.begin(2); value(&b); b.end(v)
        b.end(e)
    }

    private func typeAttr(_ b: inout WireBuffer, _ key: StaticString, _ dtype: Int32) {
        attr(&b, key) { $0.varint(6, UInt64(dtype)) }
    }

    private func boolAttr(_ b: inout WireBuffer, _ key: StaticString, _ value: Bool) {
        attr(&b, key) { $0.varint(5, value ? 1 : 0) }
    }

    /// TensorShapeProto's fields: one `dim` per dimension (`size` left out when 0).
    private static func shapeBody(_ b: inout WireBuffer, _ dims: ArraySlice<Int>) {
        for d in dims {
            let s = b.begin(2)
            if d != 0 { b.varint(1, UInt64(bitPattern: Int64(d))) }
            b.end(s)
        }
    }

    /// The nodes of variable `v` (initializer, variable, and the ops reading and
    /// assigning it), as GraphDef `node` fields.
    func variableNodes(_ v: Int, into b: inout WireBuffer) {
        let name = plan.name(v), dtype = plan.dtypes[v], shape = plan.shape(v)
        let initial: (inout WireBuffer) -> Void = { $0.append(name); $0.append("/Initializer/zeros") }
        let variable: (inout WireBuffer) -> Void = { $0.append(name) }
        // A Const with a shape and no values is filled with zeros (Tensor::FromProto).
        node(&b, initial, "Const") { b in
            typeAttr(&b, "dtype", dtype)
            attr(&b, "value") { b in
                let t = b.begin(8)
                b.varint(1, UInt64(dtype))
                let s = b.begin(2); Self.shapeBody(&b, shape); b.end(s)
                b.end(t)
            }
        }
        let inputVariable: (inout WireBuffer) -> Void = { $0.string(3, name) }
        let inputsAssign: (inout WireBuffer) -> Void = { b in
            b.string(3, name)
            b.string(3, name, "/Initializer/zeros")
        }
        switch kind {
        case .resource:
            node(&b, variable, "VarHandleOp") { b in
                attr(&b, "allowed_devices") { b in let l = b.begin(1); b.end(l) }
                attr(&b, "container") { b in let e = b.begin(2); b.end(e) }
                attr(&b, "debug_name") { b in b.string(2, name, "/") }
                typeAttr(&b, "dtype", dtype)
                attr(&b, "shape") { b in let s = b.begin(7); Self.shapeBody(&b, shape); b.end(s) }
                attr(&b, "shared_name") { b in b.string(2, name) }
            }
            node(&b, { $0.append(name); $0.append("/IsInitialized/VarIsInitializedOp") }, "VarIsInitializedOp",
                 inputs: inputVariable, attrs: { _ in })
            node(&b, { $0.append(name); $0.append("/Assign") }, "AssignVariableOp", inputs: inputsAssign) { b in
                typeAttr(&b, "dtype", dtype)
                boolAttr(&b, "validate_shape", false)
            }
            node(&b, { $0.append(name); $0.append("/Read/ReadVariableOp") }, "ReadVariableOp", inputs: inputVariable) { b in
                typeAttr(&b, "dtype", dtype)
            }
        case .ref:
            node(&b, variable, "VariableV2") { b in
                attr(&b, "container") { b in let e = b.begin(2); b.end(e) }
                typeAttr(&b, "dtype", dtype)
                attr(&b, "shape") { b in let s = b.begin(7); Self.shapeBody(&b, shape); b.end(s) }
                attr(&b, "shared_name") { b in let e = b.begin(2); b.end(e) }
            }
            node(&b, { $0.append(name); $0.append("/Assign") }, "Assign", inputs: inputsAssign) { b in
                typeAttr(&b, "T", dtype)
                boolAttr(&b, "use_locking", true)
                boolAttr(&b, "validate_shape", true)
            }
            node(&b, { $0.append(name); $0.append("/read") }, "Identity", inputs: inputVariable) { b in
                typeAttr(&b, "T", dtype)
            }
        }
    }

    /// A string Const of the saver: `dtype` and a DT_STRING `value` of `count`
    /// strings (a scalar when `scalar`), string `i` written by `value`.
    private func stringConst(_ b: inout WireBuffer, _ name: StaticString, count: Int, scalar: Bool = false,
                             _ value: (inout WireBuffer, Int) -> Void) {
        node(&b, { $0.append(name) }, "Const") { b in
            attr(&b, "dtype") { $0.varint(6, Self.dtString) }
            attr(&b, "value") { b in
                let t = b.begin(8)
                b.varint(1, Self.dtString)
                let s = b.begin(2)
                if !scalar {
                    let d = b.begin(2)
                    if count != 0 { b.varint(1, UInt64(count)) }
                    b.end(d)
                }
                b.end(s)
                for i in 0..<count {
                    let v = b.begin(8); value(&b, i); b.end(v)
                }
                b.end(t)
            }
        }
    }

    /// A `dtypes` attr listing every saved variable's dtype (packed).
    private func dtypesAttr(_ b: inout WireBuffer) {
        attr(&b, "dtypes") { b in
            let l = b.begin(1)
            if plan.count > 0 {
                let p = b.begin(6)
                for i in 0..<plan.count { b.varint(UInt64(plan.dtypes[plan.savedVariable(i)])) }
                b.end(p)
            }
            b.end(l)
        }
    }

    private func placeholderWithDefault(_ b: inout WireBuffer, _ name: StaticString, input: StaticString) {
        node(&b, { $0.append(name) }, "PlaceholderWithDefault", inputs: { $0.string(3, input) }) { b in
            attr(&b, "dtype") { $0.varint(6, Self.dtString) }
            attr(&b, "shape") { b in let e = b.begin(7); b.end(e) }
        }
    }

    /// Writes every node of the graph as GraphDef `node` fields to `b`, calling
    /// `flush` whenever about ``chunkSize`` bytes have gathered and once at the
    /// end; `flush` empties the buffer.
    func graphNodes(into b: inout WireBuffer, flush: (inout WireBuffer) throws -> Void) rethrows {
        for v in 0..<plan.count {
            variableNodes(v, into: &b)
            if b.count >= chunkSize { try flush(&b) }
        }
        // The saver, as BaseSaverBuilder._build_internal builds it (not sharded,
        // V2): tensors sorted by checkpoint key, one RestoreV2 for all.
        let n = plan.count
        let keys: (inout WireBuffer, Int) -> Void = { b, i in b.append(plan.key(ofVariable: plan.savedVariable(i))) }
        let specs: (inout WireBuffer, Int) -> Void = { b, i in
            let v = plan.savedVariable(i)
            if plan.slices[v] != nil { b.bytes.append(contentsOf: plan.spec(v).utf8) }
        }
        stringConst(&b, "save/filename/input", count: 1, scalar: true) { b, _ in b.append("model") }
        placeholderWithDefault(&b, "save/filename", input: "save/filename/input")
        placeholderWithDefault(&b, "save/Const", input: "save/filename")
        stringConst(&b, "save/SaveV2/tensor_names", count: n, keys)
        stringConst(&b, "save/SaveV2/shape_and_slices", count: n, specs)
        try flush(&b)
        node(&b, { $0.append("save/SaveV2") }, "SaveV2", inputs: { b in
            b.string(3, "save/Const")
            b.string(3, "save/SaveV2/tensor_names")
            b.string(3, "save/SaveV2/shape_and_slices")
            for i in 0..<n {
                let v = plan.savedVariable(i)
                b.string(3, plan.name(v), kind == .resource ? "/Read/ReadVariableOp" : "")
            }
        }, attrs: dtypesAttr)
        node(&b, { $0.append("save/control_dependency") }, "Identity", inputs: { b in
            b.string(3, "save/Const")
            b.string(3, "^save/SaveV2")
        }) { b in
            attr(&b, "T") { $0.varint(6, Self.dtString) }
            attr(&b, "_class") { b in let l = b.begin(1); b.string(2, "loc:@save/Const"); b.end(l) }
        }
        try flush(&b)
        stringConst(&b, "save/RestoreV2/tensor_names", count: n, keys)
        stringConst(&b, "save/RestoreV2/shape_and_slices", count: n, specs)
        try flush(&b)
        node(&b, { $0.append("save/RestoreV2") }, "RestoreV2", inputs: { b in
            b.string(3, "save/Const")
            b.string(3, "save/RestoreV2/tensor_names")
            b.string(3, "save/RestoreV2/shape_and_slices")
        }, attrs: dtypesAttr)
        try flush(&b)
        for i in 0..<n {
            let v = plan.savedVariable(i), dtype = plan.dtypes[v], name = plan.name(v)
            let output: (inout WireBuffer) -> Void = { b in
                let s = b.begin(3)
                b.append("save/RestoreV2")
                if i > 0 { b.append(":"); b.appendDecimal(i) }
                b.end(s)
            }
            let suffix: (inout WireBuffer) -> Void = { b in if i > 0 { b.append("_"); b.appendDecimal(i) } }
            switch kind {
            case .resource:
                node(&b, { b in b.append("save/Identity"); suffix(&b) }, "Identity", inputs: output) { b in
                    typeAttr(&b, "T", dtype)
                }
                node(&b, { b in b.append("save/AssignVariableOp"); suffix(&b) }, "AssignVariableOp", inputs: { b in
                    b.string(3, name)
                    let s = b.begin(3); b.append("save/Identity"); suffix(&b); b.end(s)
                }) { b in
                    typeAttr(&b, "dtype", dtype)
                    boolAttr(&b, "validate_shape", false)
                }
            case .ref:
                node(&b, { b in b.append("save/Assign"); suffix(&b) }, "Assign", inputs: { b in
                    b.string(3, name)
                    output(&b)
                }) { b in
                    typeAttr(&b, "T", dtype)
                    boolAttr(&b, "use_locking", true)
                    boolAttr(&b, "validate_shape", true)
                }
            }
            if b.count >= chunkSize { try flush(&b) }
        }
        node(&b, { $0.append("save/restore_all") }, "NoOp", inputs: { b in
            for i in 0..<n {
                let s = b.begin(3)
                b.append(kind == .resource ? "^save/AssignVariableOp" : "^save/Assign")
                if i > 0 { b.append("_"); b.appendDecimal(i) }
                b.end(s)
            }
        }, attrs: { _ in })
        try flush(&b)
    }

    // MARK: - The other parts

    /// `versions { producer: 2474 }`, a GraphDef field.
    static func versions(_ b: inout WireBuffer) {
        let v = b.begin(4); b.varint(1, producer); b.end(v)
    }

    /// `meta_info_def { meta_graph_version: "v1" }`, a MetaGraphDef field.
    static func metaInfoDef(_ b: inout WireBuffer) {
        let m = b.begin(1); b.string(1, "v1"); b.end(m)
    }

    /// The SaverDef, a MetaGraphDef field.
    static func saverDef(_ b: inout WireBuffer) {
        let s = b.begin(3)
        b.string(1, "save/Const:0")
        b.string(2, "save/control_dependency:0")
        b.string(3, "save/restore_all")
        b.varint(4, 5)
        b.bytes.append(6 << 3 | 5)   // keep_checkpoint_every_n_hours: 10000.0 (fixed32)
        withUnsafeBytes(of: Float(10000).bitPattern.littleEndian) { b.bytes.append(contentsOf: $0) }
        b.varint(7, 2)   // version: V2
        b.end(s)
    }

    /// The serialized VariableDef of variable `v` (what the collections hold).
    func variableDef(_ v: Int, into b: inout WireBuffer) {
        let name = plan.name(v)
        b.string(1, name, ":0")
        b.string(2, name, "/Assign")
        b.string(3, name, kind == .resource ? "/Read/ReadVariableOp:0" : "/read:0")
        if let s = plan.slices[v] {
            let d = b.begin(4)
            b.string(1, plan.key(ofVariable: v))
            for (field, values) in [(UInt8(2), s.fullShape[...]), (3, s.offset[...]), (4, plan.shape(v))] where !values.isEmpty {
                let p = b.begin(field)
                for x in values { b.varint(UInt64(bitPattern: Int64(x))) }
                b.end(p)
            }
            b.end(d)
        }
        if kind == .resource { b.varint(5, 1) }
        b.string(6, name, "/Initializer/zeros:0")
        if plan.trainable[v] { b.varint(7, 1) }
    }

    /// The collections written, in key order: `trainable_variables` (when some
    /// variable is trainable) and `variables` (when there are variables).
    var collections: [(key: StaticString, trainableOnly: Bool)] {
        var list: [(StaticString, Bool)] = []
        if plan.trainable.contains(true) { list.append(("trainable_variables", true)) }
        if plan.count > 0 { list.append(("variables", false)) }
        return list
    }

    // MARK: - Binary

    /// Writes the binary MetaGraphDef to `write` in pieces: the graph's length is
    /// found by encoding its nodes once without keeping them, then they are
    /// encoded again and written.
    func writeBinary(_ write: ([UInt8]) throws -> Void) throws {
        var b = WireBuffer()
        b.bytes.reserveCapacity(chunkSize + (chunkSize >> 2))
        var graphSize = 0
        graphNodes(into: &b) { b in graphSize += b.count; b.removeAll() }
        Self.versions(&b)
        graphSize += b.count
        b.removeAll()
        Self.metaInfoDef(&b)
        b.bytes.append(2 << 3 | 2)
        b.varint(UInt64(graphSize))
        try graphNodes(into: &b) { b in try write(b.bytes); b.removeAll() }
        Self.versions(&b)
        Self.saverDef(&b)
        try write(b.bytes)
        b.removeAll()
        var def = WireBuffer()
        for (key, trainableOnly) in collections {
            // entry { key, value: CollectionDef { bytes_list: BytesList { value... } } }
            var listSize = 0
            for v in 0..<plan.count where !trainableOnly || plan.trainable[v] {
                def.removeAll()
                variableDef(v, into: &def)
                listSize += fieldSize(def.count)
            }
            let collectionSize = fieldSize(listSize)
            let keySize = fieldSize(key.utf8CodeUnitCount)
            b.bytes.append(4 << 3 | 2)
            b.varint(UInt64(keySize + fieldSize(collectionSize)))
            b.string(1, key)
            b.bytes.append(2 << 3 | 2)
            b.varint(UInt64(collectionSize))
            b.bytes.append(2 << 3 | 2)
            b.varint(UInt64(listSize))
            for v in 0..<plan.count where !trainableOnly || plan.trainable[v] {
                def.removeAll()
                variableDef(v, into: &def)
                b.bytes.append(1 << 3 | 2)
                b.varint(UInt64(def.count))
                b.bytes.append(contentsOf: def.bytes)
                if b.count >= chunkSize { try write(b.bytes); b.removeAll() }
            }
            try write(b.bytes)
            b.removeAll()
        }
    }

    // MARK: - Text

    /// The text of a MetaGraphDef holding the fields in `b` (binary), as our
    /// printer prints it, without the first `dropFirst` and last `dropLast` bytes.
    private static func text(of b: WireBuffer, dropFirst: Int = 0, dropLast: Int = 0) throws -> [UInt8] {
        let message = try ProtoMessage(binary: b.bytes, as: .metaGraphDef, file: "<from-ckpt>")
        let all = Array(message.textFormat().utf8)
        return Array(all[dropFirst..<(all.count - dropLast)])
    }

    /// Writes the text-format MetaGraphDef to `write` in pieces: each batch of
    /// nodes is wrapped in a MetaGraphDef's `graph_def`, printed, and written
    /// without the wrapper's first and last lines.
    func writeText(_ write: ([UInt8]) throws -> Void) throws {
        var b = WireBuffer()
        Self.metaInfoDef(&b)
        try write(Self.text(of: b))
        try write(Array("graph_def {\n".utf8))
        let wrapperOpen = 12, wrapperClose = 2   // "graph_def {\n" … "}\n"
        var wrapped = WireBuffer()
        func print(_ b: inout WireBuffer) throws {
            guard b.count > 0 else { return }
            wrapped.removeAll()
            let g = wrapped.begin(2)
            wrapped.bytes.append(contentsOf: b.bytes)
            wrapped.end(g)
            try write(Self.text(of: wrapped, dropFirst: wrapperOpen, dropLast: wrapperClose))
            b.removeAll()
        }
        b.removeAll()
        try graphNodes(into: &b) { try print(&$0) }
        Self.versions(&b)
        try print(&b)
        try write(Array("}\n".utf8))
        Self.saverDef(&b)
        try write(Self.text(of: b))
        b.removeAll()
        var out: [UInt8] = []
        var def = WireBuffer()
        for (key, trainableOnly) in collections {
            out.append(contentsOf: "collection_def {\n  key: \"".utf8)
            key.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(contentsOf: "\"\n  value {\n    bytes_list {\n".utf8)
            for v in 0..<plan.count where !trainableOnly || plan.trainable[v] {
                def.removeAll()
                variableDef(v, into: &def)
                out.append(contentsOf: "      value: \"".utf8)
                def.bytes.withUnsafeBufferPointer { TextFormatEscaping.escapeBytes($0, into: &out) }
                out.append(contentsOf: "\"\n".utf8)
                if out.count >= chunkSize { try write(out); out.removeAll(keepingCapacity: true) }
            }
            out.append(contentsOf: "    }\n  }\n}\n".utf8)
        }
        try write(out)
    }
}
