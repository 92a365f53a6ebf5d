// Layers whose weights need more than a copy on the way to Keras 3.
//
// TF1's LSTMCell / BasicLSTMCell (tensorflow/python/ops/rnn_cell_impl.py) keep one
// kernel [input + units, 4·units] for the concatenated [x, h] with the gates in the
// order i, j (the new cell input), f, o, and add `forget_bias` (default 1.0) to f
// when running. Keras 3's LSTMCell (keras/src/layers/rnn/lstm.py) keeps `kernel`
// [input, 4·units] and `recurrent_kernel` [units, 4·units] with the gates in the
// order i, f, c, o, and a `bias` that is used as is.
//
// TF1's GRUCell keeps `gates/kernel` [input + units, 2·units] (gates r, u),
// `gates/bias`, `candidate/kernel` [input + units, units] and `candidate/bias`, and
// computes the candidate from [x, r·h]. That is Keras 3's GRUCell with
// `reset_after=False` (keras/src/layers/rnn/gru.py): `kernel` [input, 3·units] and
// `recurrent_kernel` [units, 3·units] in the order z (TF1's u), r, h, and one `bias`
// [3·units]. Keras's default `reset_after=True` applies r after the product, which
// no rearrangement of TF1's weights reproduces.

enum KerasTransforms {
    /// The forget bias TF1's LSTM cells add at run time (their default).
    static let forgetBias = 1.0

    /// Values for a template LSTMCell (kernel, recurrent_kernel, bias), and the source
    /// keys each came from.
    struct SplitValues {
        var tensors: [Tensor]
        var sourceKeys: [String]
        subscript(_ i: Int) -> Tensor { tensors[i] }
    }

    static func tf1LSTMParts(_ vars: [SourceVariable]) -> (kernel: SourceVariable, bias: SourceVariable)? {
        guard vars.count == 2, let k = vars.first(where: { $0.variable == "kernel" }),
              let b = vars.first(where: { $0.variable == "bias" }) else { return nil }
        return (k, b)
    }

    static func fitsTF1LSTM(template: KerasConversion.TemplateLayer, variables: [SourceVariable]) -> Bool {
        guard template.layerClass == "LSTMCell", template.entries.count == 3,
              let (k, b) = tf1LSTMParts(variables) else { return false }
        let kernel = template.entries[0].shape, recurrent = template.entries[1].shape, bias = template.entries[2].shape
        guard kernel.count == 2, recurrent.count == 2, bias.count == 1, k.shape.count == 2 else { return false }
        let units = recurrent[0]
        return k.shape == [kernel[0] + units, 4 * units] && kernel[1] == 4 * units && recurrent[1] == 4 * units
            && b.shape == [4 * units] && bias == [4 * units]
            && k.dtype == template.entries[0].dtype && b.dtype == template.entries[2].dtype
            && (k.dtype == .float32 || k.dtype == .float64)
    }

    /// Splits and reorders a TF1 LSTM kernel and bias into Keras 3's three variables.
    static func splitTF1LSTM(reader: CheckpointReader, variables: [SourceVariable],
                             template: KerasConversion.TemplateLayer) throws -> SplitValues {
        guard let (k, b) = tf1LSTMParts(variables) else {
            throw MetaGraphKitError.invalidArgument(reader.prefix, "not a TF1 LSTM cell (kernel and bias)")
        }
        let units = template.entries[1].shape[0]
        let input = template.entries[0].shape[0]
        let size = k.dtype.elementSize!
        let kernelBytes = try k.tensor(reader).bytes ?? []
        let biasBytes = try b.tensor(reader).bytes ?? []
        // Keras gate g (i, f, c, o) is TF1 gate tf1Gate[g] (i, j, f, o).
        let tf1Gate = [0, 2, 1, 3]
        let row = 4 * units * size
        var kernel = [UInt8](repeating: 0, count: input * row)
        var recurrent = [UInt8](repeating: 0, count: units * row)
        for r in 0..<(input + units) {
            for g in 0..<4 {
                let from = r * row + tf1Gate[g] * units * size
                let to = (r < input ? r : r - input) * row + g * units * size
                if r < input {
                    kernel.replaceSubrange(to..<(to + units * size), with: kernelBytes[from..<(from + units * size)])
                } else {
                    recurrent.replaceSubrange(to..<(to + units * size), with: kernelBytes[from..<(from + units * size)])
                }
            }
        }
        var bias = [UInt8](repeating: 0, count: row)
        for g in 0..<4 {
            let from = tf1Gate[g] * units * size
            bias.replaceSubrange((g * units * size)..<((g + 1) * units * size), with: biasBytes[from..<(from + units * size)])
        }
        // Fold forget_bias into Keras's f gate (the second).
        bias.withUnsafeMutableBytes { raw in
            for i in units..<(2 * units) {
                if size == 4 {
                    let v = Float(bitPattern: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self).littleEndian) + Float(forgetBias)
                    raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
                } else {
                    let v = Double(bitPattern: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self).littleEndian) + forgetBias
                    raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 8, as: UInt64.self)
                }
            }
        }
        return SplitValues(
            tensors: [Tensor(dtype: k.dtype, shape: [input, 4 * units], storage: .bytes(kernel)),
                      Tensor(dtype: k.dtype, shape: [units, 4 * units], storage: .bytes(recurrent)),
                      Tensor(dtype: b.dtype, shape: [4 * units], storage: .bytes(bias))],
            sourceKeys: [k.key, k.key, b.key])
    }

    // MARK: - GRU

    /// A TF1 GRUCell's four variables, folded by ``tf1GRUName(_:)``.
    static func tf1GRUParts(_ vars: [SourceVariable])
        -> (gatesKernel: SourceVariable, gatesBias: SourceVariable, candidateKernel: SourceVariable, candidateBias: SourceVariable)?
    {
        guard vars.count == 4, let gk = vars.first(where: { $0.variable == "gates_kernel" }),
              let gb = vars.first(where: { $0.variable == "gates_bias" }),
              let ck = vars.first(where: { $0.variable == "candidate_kernel" }),
              let cb = vars.first(where: { $0.variable == "candidate_bias" }) else { return nil }
        return (gk, gb, ck, cb)
    }

    /// `…/gru_cell/gates/kernel` → scope `…/gru_cell`, variable `gates_kernel`: the
    /// two sub-scopes of a TF1 GRUCell are one layer. nil for any other name.
    static func tf1GRUName(_ parts: [String]) -> (scope: String, variable: String)? {
        guard parts.count >= 3, ["gates", "candidate"].contains(parts[parts.count - 2]),
              ["kernel", "bias", "weights", "biases"].contains(parts[parts.count - 1]),
              KerasLayers.stem(parts[parts.count - 3]).stem.lowercased().contains("gru") else { return nil }
        let variable = parts[parts.count - 1].hasPrefix("weight") ? "kernel" : parts[parts.count - 1].hasPrefix("bias") ? "bias" : parts[parts.count - 1]
        return (parts.dropLast(2).joined(separator: "/"), parts[parts.count - 2] + "_" + variable)
    }

    static func fitsTF1GRU(template: KerasConversion.TemplateLayer, variables: [SourceVariable]) -> Bool {
        guard template.layerClass == "GRUCell", template.entries.count == 3,
              let (gk, gb, ck, cb) = tf1GRUParts(variables) else { return false }
        let kernel = template.entries[0].shape, recurrent = template.entries[1].shape, bias = template.entries[2].shape
        guard kernel.count == 2, recurrent.count == 2 else { return false }
        let units = recurrent[0], input = kernel[0]
        let dtype = gk.dtype
        return kernel[1] == 3 * units && recurrent[1] == 3 * units && bias == [3 * units]
            && gk.shape == [input + units, 2 * units] && gb.shape == [2 * units]
            && ck.shape == [input + units, units] && cb.shape == [units]
            && [gb.dtype, ck.dtype, cb.dtype].allSatisfy { $0 == dtype }
            && template.entries.allSatisfy { $0.dtype == dtype } && (dtype == .float32 || dtype == .float64)
    }

    /// Whether a template GRUCell is one TF1's GRUCell cannot fill because it applies
    /// the reset gate after the product (`reset_after=True`, a bias [2, 3·units]).
    static func isResetAfterGRU(_ template: KerasConversion.TemplateLayer) -> Bool {
        template.layerClass == "GRUCell" && template.entries.count == 3 && template.entries[2].shape.count == 2
    }

    /// Rearranges a TF1 GRUCell's gates and candidate into Keras 3's three variables.
    static func splitTF1GRU(reader: CheckpointReader, variables: [SourceVariable],
                            template: KerasConversion.TemplateLayer) throws -> SplitValues {
        guard let (gk, gb, ck, cb) = tf1GRUParts(variables) else {
            throw MetaGraphKitError.invalidArgument(reader.prefix, "not a TF1 GRU cell (gates and candidate)")
        }
        let units = template.entries[1].shape[0], input = template.entries[0].shape[0]
        let size = gk.dtype.elementSize!
        let gates = try gk.tensor(reader).bytes ?? [], gatesBias = try gb.tensor(reader).bytes ?? []
        let candidate = try ck.tensor(reader).bytes ?? [], candidateBias = try cb.tensor(reader).bytes ?? []
        let part = units * size, gatesRow = 2 * part, row = 3 * part
        guard gates.count == (input + units) * gatesRow, candidate.count == (input + units) * part,
              gatesBias.count == gatesRow, candidateBias.count == part else {
            throw MetaGraphKitError.corrupt(reader.prefix, "\(gk.key): the data do not match the shape")
        }
        var kernel = [UInt8](repeating: 0, count: input * row)
        var recurrent = [UInt8](repeating: 0, count: units * row)
        func fill(_ out: inout [UInt8], _ r: Int, _ source: Int) {
            let to = r * row
            // z is TF1's u (the second gate), then r (the first), then the candidate.
            out.replaceSubrange(to..<(to + part), with: gates[(source * gatesRow + part)..<(source * gatesRow + 2 * part)])
            out.replaceSubrange((to + part)..<(to + 2 * part), with: gates[(source * gatesRow)..<(source * gatesRow + part)])
            out.replaceSubrange((to + 2 * part)..<(to + 3 * part), with: candidate[(source * part)..<(source * part + part)])
        }
        for r in 0..<input { fill(&kernel, r, r) }
        for r in 0..<units { fill(&recurrent, r, input + r) }
        let bias = Array(gatesBias[part..<(2 * part)]) + Array(gatesBias[0..<part]) + candidateBias
        return SplitValues(
            tensors: [Tensor(dtype: gk.dtype, shape: [input, 3 * units], storage: .bytes(kernel)),
                      Tensor(dtype: gk.dtype, shape: [units, 3 * units], storage: .bytes(recurrent)),
                      Tensor(dtype: gb.dtype, shape: [3 * units], storage: .bytes(bias))],
            sourceKeys: [gk.key, gk.key, gb.key])
    }
}
