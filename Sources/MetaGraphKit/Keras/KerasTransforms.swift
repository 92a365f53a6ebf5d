// Layers whose weights need more than a copy on the way to Keras 3.
//
// TF1's LSTMCell / BasicLSTMCell (tensorflow/python/ops/rnn_cell_impl.py) keep one
// kernel [input + units, 4·units] for the concatenated [x, h] with the gates in the
// order i, j (the new cell input), f, o, and add `forget_bias` (default 1.0) to f
// when running. Keras 3's LSTMCell (keras/src/layers/rnn/lstm.py) keeps `kernel`
// [input, 4·units] and `recurrent_kernel` [units, 4·units] with the gates in the
// order i, f, c, o, and a `bias` that is used as is.

enum KerasTransforms {
    /// The forget bias TF1's LSTM cells add at run time (their default).
    static let forgetBias = 1.0

    /// Values for a template LSTMCell (kernel, recurrent_kernel, bias), and the source
    /// keys each came from.
    struct LSTMValues {
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
                             template: KerasConversion.TemplateLayer) throws -> LSTMValues {
        guard let (k, b) = tf1LSTMParts(variables) else {
            throw MetaGraphKitError(.invalidArgument, "\(reader.prefix): not a TF1 LSTM cell (kernel and bias)")
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
        return LSTMValues(
            tensors: [Tensor(dtype: k.dtype, shape: [input, 4 * units], storage: .bytes(kernel)),
                      Tensor(dtype: k.dtype, shape: [units, 4 * units], storage: .bytes(recurrent)),
                      Tensor(dtype: b.dtype, shape: [4 * units], storage: .bytes(bias))],
            sourceKeys: [k.key, k.key, b.key])
    }
}
